//! `--motion search|flow|codec|params`: what drives the prediction (and with it the residual, the MC
//! metrics and the symbol stream). The exact search always runs; the others are compared with it.

use std::fmt;
use std::str::FromStr;

/// The motion that predicts frame t from frame t − 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MotionSource {
    /// The exact full search's vectors (refined with `--subpel`).
    Search,
    /// A learner's dense flow (`--flow`), per pixel.
    Flow,
    /// The decoder's own motion vectors (FFmpeg's `export_mvs`), per block.
    Codec,
    /// A learner's per-block warp parameters (`--warp-params`).
    Params,
}

impl MotionSource {
    pub const ALL: [MotionSource; 4] = [Self::Search, Self::Flow, Self::Codec, Self::Params];

    pub fn name(self) -> &'static str {
        match self {
            Self::Search => "search",
            Self::Flow => "flow",
            Self::Codec => "codec",
            Self::Params => "params",
        }
    }

    /// `--motion` against the motion files given: the choice when its file is there, else an error
    /// naming what is missing; without a choice, the one motion file given, else the search (two
    /// files and no choice is an error: which one drives is not guessed).
    pub fn resolve(chosen: Option<Self>, flow: bool, params: bool) -> Result<Self, String> {
        match (chosen, flow, params) {
            (Some(Self::Flow), false, _) => Err("--motion flow: needs a dense flow (--flow FILE)".into()),
            (Some(Self::Params), _, false) => Err("--motion params: needs warp parameters (--warp-params FILE)".into()),
            (Some(s), _, _) => Ok(s),
            (None, true, true) => Err(
                "--flow and --warp-params both given: say which one drives the prediction with --motion flow|params"
                    .into(),
            ),
            (None, true, false) => Ok(Self::Flow),
            (None, false, true) => Ok(Self::Params),
            (None, false, false) => Ok(Self::Search),
        }
    }
}

/// The motion inputs every command takes (global options): a learner's dense flow and the choice of
/// what drives the prediction, resolved against `--warp-params` where a command has it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MotionInputs {
    /// `--flow FILE`: a float32 `.npy` [P, H, W, 2] or `.flo` file(s) (`formats::FlowFile`).
    pub flow: Option<String>,
    /// `--motion`.
    pub choice: Option<MotionSource>,
}

impl MotionInputs {
    /// What drives the prediction, given whether warp parameters were given too.
    pub fn source(&self, params: bool) -> Result<MotionSource, String> {
        MotionSource::resolve(self.choice, self.flow.is_some(), params)
    }
}

impl FromStr for MotionSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| format!("{s:?}: expected search, flow, codec or params"))
    }
}

impl fmt::Display for MotionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_follows_the_files_given() {
        use MotionSource::*;
        assert_eq!(MotionSource::resolve(None, false, false), Ok(Search));
        assert_eq!(MotionSource::resolve(None, true, false), Ok(Flow));
        assert_eq!(MotionSource::resolve(None, false, true), Ok(Params));
        assert!(MotionSource::resolve(None, true, true).unwrap_err().contains("--motion flow|params"));
        assert_eq!(MotionSource::resolve(Some(Search), true, true), Ok(Search));
        assert!(MotionSource::resolve(Some(Flow), false, true).unwrap_err().contains("--flow FILE"));
        assert_eq!("codec".parse::<MotionSource>(), Ok(Codec));
        assert!("sarch".parse::<MotionSource>().is_err());
    }
}
