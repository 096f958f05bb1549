//! The user-chosen analysis parameters, each checked once, here, when it is made: a value of these
//! types is valid everywhere it goes (CLI, viewer controls, pipeline).

use super::grid::BLOCK_SIZES;
use super::motion_search::MAX_RANGE;
use super::symbols::MAX_QUANT;

/// A parameter outside its range; the message names the option as users write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError(String);

impl std::fmt::Display for ParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParamError {}

/// Parses the command line's `--FLAG VALUE` into a checked parameter: the number, then `new`.
fn parse_flag<T>(flag: &str, text: &str, new: fn(u32) -> Result<T, ParamError>) -> Result<T, ParamError> {
    let value = text.trim().parse::<u32>().map_err(|_| ParamError(format!("{flag} {text}: not a whole number")))?;
    new(value)
}

impl std::str::FromStr for BlockSize {
    type Err = ParamError;
    /// `--block` as typed: parsed and checked once, so the command line holds a valid block size.
    fn from_str(text: &str) -> Result<Self, ParamError> {
        parse_flag("--block", text, Self::new)
    }
}

impl std::str::FromStr for SearchRange {
    type Err = ParamError;
    fn from_str(text: &str) -> Result<Self, ParamError> {
        parse_flag("--range", text, Self::new)
    }
}

impl std::str::FromStr for Lambda {
    type Err = ParamError;
    fn from_str(text: &str) -> Result<Self, ParamError> {
        parse_flag("--lambda", text, Self::new)
    }
}

impl std::str::FromStr for Subpel {
    type Err = ParamError;
    fn from_str(text: &str) -> Result<Self, ParamError> {
        parse_flag("--subpel", text, Self::new)
    }
}

impl std::str::FromStr for QuantStep {
    type Err = ParamError;
    fn from_str(text: &str) -> Result<Self, ParamError> {
        parse_flag("--quant", text, Self::new)
    }
}

/// Block size b of the grid: one of [`BLOCK_SIZES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockSize(u32);

impl BlockSize {
    pub fn new(block: u32) -> Result<Self, ParamError> {
        if BLOCK_SIZES.contains(&block) {
            Ok(Self(block))
        } else {
            Err(ParamError(format!("--block {block}: invalid block size (must be one of {BLOCK_SIZES:?})")))
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl BlockSize {
    /// Every block size, smallest first (the viewer's controls step through them).
    pub const ALL: [BlockSize; 6] = [Self(4), Self(8), Self(16), Self(32), Self(64), Self(128)];
}

impl std::fmt::Display for BlockSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Default for BlockSize {
    fn default() -> Self {
        Self(16)
    }
}

/// Motion search range R: |dx|, |dy| <= R, 0..=[`MAX_RANGE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchRange(u32);

impl SearchRange {
    pub fn new(range: u32) -> Result<Self, ParamError> {
        if range <= MAX_RANGE {
            Ok(Self(range))
        } else {
            Err(ParamError(format!("--range {range}: invalid search range (must be 0..={MAX_RANGE})")))
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl SearchRange {
    /// The ranges the viewer's controls step through (any 0..=64 is valid on the command line).
    pub const STEPS: [SearchRange; 7] = [Self(1), Self(2), Self(4), Self(8), Self(16), Self(32), Self(64)];
}

impl std::fmt::Display for SearchRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Default for SearchRange {
    fn default() -> Self {
        Self(16)
    }
}

/// Regularisation weight λ of the motion search: cost = SAD + λ·(|dx| + |dy|), 0..=[`MAX_LAMBDA`];
/// 0 (the default) is the plain exact SAD search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Lambda(u32);

/// Largest λ: keeps every cost below 2^24 (128·128·255 + 4096·2·64), exact in the kernels' f32 sums.
pub const MAX_LAMBDA: u32 = 4096;

impl Lambda {
    pub fn new(lambda: u32) -> Result<Self, ParamError> {
        if lambda <= MAX_LAMBDA {
            Ok(Self(lambda))
        } else {
            Err(ParamError(format!("--lambda {lambda}: invalid regularisation weight (must be 0..={MAX_LAMBDA})")))
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl std::fmt::Display for Lambda {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Sub-pixel precision of the motion vectors (`--subpel`): 1 (integer, the default), 2 (half pel) or
/// 4 (quarter pel; `reference::subpel`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subpel(u32);

impl Subpel {
    pub fn new(precision: u32) -> Result<Self, ParamError> {
        if matches!(precision, 1 | 2 | 4) {
            Ok(Self(precision))
        } else {
            Err(ParamError(format!("--subpel {precision}: invalid sub-pixel precision (must be 1, 2 or 4)")))
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// Whether the vectors are refined at all (the subpel pass runs).
    pub fn refines(self) -> bool {
        self.0 > 1
    }
}

impl Default for Subpel {
    fn default() -> Self {
        Self(1)
    }
}

impl std::fmt::Display for Subpel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Quantiser step Q of the symbol stream: 1..=[`MAX_QUANT`], 1 = lossless.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuantStep(u32);

impl QuantStep {
    pub fn new(quant: u32) -> Result<Self, ParamError> {
        if (1..=MAX_QUANT).contains(&quant) {
            Ok(Self(quant))
        } else {
            Err(ParamError(format!("--quant {quant}: invalid quantiser step (must be 1..={MAX_QUANT})")))
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl std::fmt::Display for QuantStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Default for QuantStep {
    fn default() -> Self {
        Self(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_parameter_accepts_its_range_and_names_the_option_otherwise() {
        assert_eq!(BlockSize::new(8).map(BlockSize::get), Ok(8));
        assert!(BlockSize::new(12).unwrap_err().to_string().starts_with("--block 12: invalid block size"));
        assert_eq!(SearchRange::new(64).map(SearchRange::get), Ok(64));
        assert!(SearchRange::new(65).unwrap_err().to_string().starts_with("--range 65: invalid search range"));
        assert_eq!(QuantStep::new(255).map(QuantStep::get), Ok(255));
        assert!(QuantStep::new(0).unwrap_err().to_string().starts_with("--quant 0: invalid quantiser step"));
        assert_eq!(BlockSize::ALL.map(BlockSize::get), BLOCK_SIZES, "ALL is every valid size");
        assert!(SearchRange::STEPS.iter().all(|r| SearchRange::new(r.get()).is_ok()));
        assert_eq!(Lambda::new(4096).map(Lambda::get), Ok(4096));
        assert!(Lambda::new(4097).unwrap_err().to_string().starts_with("--lambda 4097: invalid regularisation weight"));
        assert_eq!("7".parse::<Lambda>().map(Lambda::get), Ok(7));
    }
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn the_command_line_forms_parse_into_checked_values_or_name_the_flag() {
        assert_eq!("16".parse::<BlockSize>().map(BlockSize::get), Ok(16));
        assert_eq!("64".parse::<SearchRange>().map(SearchRange::get), Ok(64));
        assert_eq!("255".parse::<QuantStep>().map(QuantStep::get), Ok(255));
        let err = |r: Result<u32, ParamError>| r.unwrap_err().to_string();
        assert!(err("12".parse::<BlockSize>().map(BlockSize::get)).starts_with("--block 12: invalid block size"));
        assert_eq!(err("x".parse::<SearchRange>().map(SearchRange::get)), "--range x: not a whole number");
        assert!(err("0".parse::<QuantStep>().map(QuantStep::get)).starts_with("--quant 0: invalid quantiser step"));
    }
}
