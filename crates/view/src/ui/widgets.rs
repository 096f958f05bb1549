//! The egui panels: controls, seek bar, HUD, heatmap legend, hover readout, motion arrows. They
//! edit [`Settings`] and return [`Action`]s for the viewer to carry out.

use super::colormap;
use super::keys::KEYS;
use super::model::*;
use vidscope_scene::flow_legend::{legend_height, paint_flow_legend};

/// Draws every panel; returns what the user asked for.
pub fn draw(ui: &mut egui::Ui, s: &mut Settings, hud: &Hud, path: &mut String) -> Vec<Action> {
    let mut actions = Vec::new();
    if !s.show_ui {
        return actions;
    }
    let ctx = ui.ctx().clone();
    seek_bar(ui, s, hud, &mut actions);
    controls(&ctx, s, hud, path, &mut actions);
    hud_panel(&ctx, s, hud);
    if let Some(view) = &hud.surface {
        egui::Window::new("cost surface")
            .anchor(egui::Align2::RIGHT_BOTTOM, [-8.0, -40.0])
            .resizable(false)
            .show(&ctx, |ui| super::cost_surface::show(ui, view, s.colormap));
    }
    actions
}

fn controls(ctx: &egui::Context, s: &mut Settings, hud: &Hud, path: &mut String, actions: &mut Vec<Action>) {
    egui::Window::new("vidscope").default_pos([8.0, 8.0]).resizable(false).show(ctx, |ui| {
        view_controls(ui, s);
        analysis_controls(ui, s, actions);
        ui.add_enabled(hud.codec_mvs_available, egui::Checkbox::new(&mut s.codec_mvs, "codec vectors"))
            .on_hover_text("the codec's own motion vectors (FFmpeg export_mvs): pf orange, bf green, bb magenta")
            .on_disabled_hover_text("needs a video FFmpeg decodes (not .y4m, .npy or synthetic)");
        heatmap_controls(ui, s);
        if s.mode.is_heatmap() {
            legend(ui, s, hud);
        }
        if s.mode == Mode::Flow {
            flow_controls(ui, s);
        }

        ui.separator();
        file_controls(ui, s, hud, path, actions);
        if let Some(m) = &hud.message {
            ui.colored_label(egui::Color32::from_rgb(255, 120, 100), m);
        }
        ui.collapsing("keys", |ui| {
            egui::Grid::new("keys").show(ui, |ui| {
                for (k, what) in KEYS {
                    ui.monospace(*k);
                    ui.label(*what);
                    ui.end_row();
                }
            });
        });
    });
}

/// Mode and metric (the A/B ones only with a reference), the |A − B| gain and the wipe.
fn view_controls(ui: &mut egui::Ui, s: &mut Settings) {
    let reference = s.reference;
    egui::ComboBox::from_label("mode").selected_text(s.mode.label()).show_ui(ui, |ui| {
        for m in Mode::ALL {
            let enabled = reference || !m.needs_reference();
            ui.add_enabled_ui(enabled, |ui| ui.selectable_value(&mut s.mode, m, m.label()))
                .response
                .on_disabled_hover_text("needs a reference video (--ref REF)");
        }
    });
    egui::ComboBox::from_label("metric").selected_text(s.metric.label()).show_ui(ui, |ui| {
        for m in Metric::all() {
            let enabled = reference || !m.needs_reference();
            ui.add_enabled_ui(enabled, |ui| ui.selectable_value(&mut s.metric, m, m.label()))
                .response
                .on_disabled_hover_text("needs a reference video (--ref REF)");
        }
    });
    ui.add_enabled_ui(reference, |ui| {
        ui.add(egui::Slider::new(&mut s.amplify, 1..=64).logarithmic(true).text("amplify |A − B| ×"));
        ui.horizontal(|ui| {
            let mut on = s.wipe.is_some();
            ui.checkbox(&mut on, "wipe A | B");
            let mut at = s.wipe.unwrap_or(0.5);
            ui.add_enabled(on, egui::Slider::new(&mut at, 0.0..=1.0).show_value(false));
            s.wipe = on.then_some(at);
        });
    })
    .response
    .on_disabled_hover_text("needs a reference video (--ref REF)");
}

/// Block size and search range (each change asks the viewer to recompute), the arrows.
fn analysis_controls(ui: &mut egui::Ui, s: &mut Settings, actions: &mut Vec<Action>) {
    let old_block = s.block;
    egui::ComboBox::from_label("block").selected_text(s.block.to_string()).show_ui(ui, |ui| {
        for b in crate::reference::BlockSize::ALL {
            ui.selectable_value(&mut s.block, b, b.to_string());
        }
    });
    if s.block != old_block {
        actions.push(Action::BlockChanged);
    }
    let old_range = s.range;
    egui::ComboBox::from_label("search range").selected_text(format!("±{}", s.range)).show_ui(ui, |ui| {
        for r in crate::reference::SearchRange::STEPS {
            ui.selectable_value(&mut s.range, r, format!("±{r}"));
        }
    });
    if s.range != old_range {
        actions.push(Action::RangeChanged);
    }
    // The search's weight: vectors minimise SAD + λ·(|dx| + |dy|); applied from the next frame computed.
    let mut lambda = s.lambda.get();
    let weight = egui::DragValue::new(&mut lambda).range(0..=crate::reference::MAX_LAMBDA).prefix("λ ");
    if ui.add(weight).on_hover_text("search cost = SAD + λ·(|dx| + |dy|); 0 = plain SAD").changed() {
        s.lambda = crate::reference::Lambda::new(lambda).unwrap_or(s.lambda);
        actions.push(Action::RangeChanged);
    }
    ui.horizontal(|ui| {
        ui.checkbox(&mut s.arrows, "vector arrows");
        ui.add_enabled(s.arrows, egui::Slider::new(&mut s.arrow_scale, 0.5..=8.0).text("length"));
    });
    // Up to the largest gain a block of this size can have (all 255 apart); a larger --min-gain stays.
    let most = 255 * s.block.get() * s.block.get();
    let slider = egui::Slider::new(&mut s.min_gain, 0..=most).logarithmic(true).clamping(egui::SliderClamping::Edits);
    ui.add_enabled(s.arrows, slider.text("min gain"))
        .on_hover_text("hide vectors whose MC gain (zero-vector SAD − best SAD) is below this; 0 shows all");
}

/// Colormap, opacity, scale, the trit plane and quantiser, grid and luma-only.
fn heatmap_controls(ui: &mut egui::Ui, s: &mut Settings) {
    egui::ComboBox::from_label("colormap").selected_text(s.colormap.label()).show_ui(ui, |ui| {
        for c in Colormap::ALL {
            ui.selectable_value(&mut s.colormap, c, c.label());
        }
    });
    ui.add(egui::Slider::new(&mut s.opacity, 0.0..=1.0).text("opacity"));
    ui.horizontal(|ui| {
        ui.checkbox(&mut s.auto_scale, "auto scale");
        ui.add_enabled(
            !s.auto_scale,
            egui::DragValue::new(&mut s.fixed_scale).range(1.0..=1.0e9).speed(16.0).prefix("max "),
        );
    });
    ui.horizontal(|ui| {
        let planes = s.planes();
        let mut plane = s.shown_plane();
        ui.add(egui::Slider::new(&mut plane, 0..=planes - 1).text("trit plane"));
        s.trit_plane = plane;
        let mut q = s.quant.get();
        ui.add(egui::DragValue::new(&mut q).range(1..=crate::reference::symbols::MAX_QUANT).prefix("Q "));
        s.quant = crate::reference::QuantStep::new(q).unwrap_or(s.quant);
    });
    ui.horizontal(|ui| {
        ui.checkbox(&mut s.grid, "block grid");
        ui.checkbox(&mut s.luma_only, "luma only");
    });
}

/// Open a file (typed, browsed or dropped), record, snapshot, export, plots.
fn file_controls(ui: &mut egui::Ui, s: &mut Settings, hud: &Hud, path: &mut String, actions: &mut Vec<Action>) {
    ui.horizontal(|ui| {
        ui.label("open");
        let field =
            ui.add(egui::TextEdit::singleline(path).hint_text("file path or synthetic:WxH").desired_width(180.0));
        if std::mem::take(&mut s.focus_open) {
            field.request_focus();
        }
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui.button("Open").clicked() || enter) && !path.trim().is_empty() {
            actions.push(Action::Open(path.trim().to_string()));
        }
        if ui.button("Browse…").clicked() {
            actions.push(Action::Browse);
        }
    });
    ui.label(egui::RichText::new("or drop a file on the window").weak());
    ui.horizontal(|ui| {
        let record = if hud.recording { "■ stop recording" } else { "● record" };
        if ui.button(record).clicked() {
            actions.push(Action::ToggleRecord);
        }
        if ui.button("snapshot").clicked() {
            actions.push(Action::Snapshot);
        }
        if ui.button("export stats").clicked() {
            actions.push(Action::ExportStats);
        }
        ui.checkbox(&mut s.plots, "plots");
    });
}

fn legend(ui: &mut egui::Ui, s: &Settings, hud: &Hud) {
    if s.metric == Metric::AbPsnr && !s.auto_scale {
        return psnr_bands_legend(ui, s);
    }
    let (rect, _) = ui.allocate_exact_size(egui::vec2(200.0, 14.0), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let steps = 64;
    for i in 0..steps {
        let t = i as f32 / (steps - 1) as f32;
        let [r, g, b] = colormap::sample(s.colormap, t);
        let x0 = rect.left() + rect.width() * i as f32 / steps as f32;
        let x1 = rect.left() + rect.width() * (i + 1) as f32 / steps as f32 + 0.5;
        painter.rect_filled(
            egui::Rect::from_min_max(egui::pos2(x0, rect.top()), egui::pos2(x1, rect.bottom())),
            0.0,
            egui::Color32::from_rgb(r, g, b),
        );
    }
    ui.horizontal(|ui| {
        ui.monospace(format_value(hud.scale.0));
        ui.label(format!("{} ({})", s.metric.label(), if s.auto_scale { "auto" } else { "fixed" }));
        ui.monospace(format_value(hud.scale.1));
    });
    if s.metric == Metric::AbPsnr {
        ui.label(egui::RichText::new("worst on the right; identical blocks are left untinted").weak());
    } else if s.metric != Metric::Mean {
        ui.label(egui::RichText::new("blocks with 0 are left untinted").weak());
    }
}

/// The flow view's scale (pixels at full saturation; fixed, so colours compare across frames) and
/// its colour-wheel legend.
fn flow_controls(ui: &mut egui::Ui, s: &mut Settings) {
    let mut scale = s.flow_scale_px();
    let slider = egui::Slider::new(&mut scale, 1.0..=64.0).step_by(1.0).text("flow scale (px)");
    if ui.add(slider).changed() {
        s.flow_scale = Some(scale);
    }
    let radius = 48.0;
    let (rect, _) = ui.allocate_exact_size(egui::vec2(200.0, legend_height(radius)), egui::Sense::hover());
    let centre = egui::pos2(rect.center().x, rect.top() + legend_height(radius) / 2.0 - 9.0);
    paint_flow_legend(&ui.painter_at(rect), centre, radius, scale);
    ui.label(egui::RichText::new("colour = motion from the previous frame; white = still").weak());
}

/// The A/B PSNR heatmap's fixed bands: one swatch per 5 dB, as the shader colours them.
fn psnr_bands_legend(ui: &mut egui::Ui, s: &Settings) {
    let n = Metric::PSNR_BANDS.len();
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 2.0;
        for (k, name) in Metric::PSNR_BANDS.iter().enumerate() {
            let t = 1.0 - k as f32 / (n - 1) as f32;
            let [r, g, b] = colormap::sample(s.colormap, t);
            let fill = egui::Color32::from_rgb(r, g, b);
            let text = if (r as u32 + g as u32 + b as u32) > 384 { egui::Color32::BLACK } else { egui::Color32::WHITE };
            let (rect, _) = ui.allocate_exact_size(egui::vec2(34.0, 16.0), egui::Sense::hover());
            ui.painter().rect_filled(rect, 2.0, fill);
            ui.painter().text(rect.center(), egui::Align2::CENTER_CENTER, name, egui::FontId::monospace(9.0), text);
        }
    });
    ui.label(format!("{} in fixed bands (A: auto scale)", s.metric.label()));
    ui.label(egui::RichText::new("identical blocks (SSE 0, PSNR ∞) are left untinted").weak());
}

fn format_value(v: f32) -> String {
    if v.abs() >= 1.0e6 {
        format!("{v:.3e}")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A PSNR in dB, `inf` for identical pictures (as FFmpeg prints it).
pub fn format_db(db: f64) -> String {
    if db.is_finite() {
        format!("{db:.2} dB")
    } else {
        "inf".into()
    }
}

fn seek_bar(ui: &mut egui::Ui, s: &mut Settings, hud: &Hud, actions: &mut Vec<Action>) {
    egui::Panel::bottom("seek").show(ui, |ui| {
        ui.horizontal(|ui| {
            if ui.button(if s.playing { "⏸" } else { "▶" }).clicked() {
                s.playing = !s.playing;
            }
            if ui.button("⏮").on_hover_text("step back (←)").clicked() {
                actions.push(Action::Step(-1));
            }
            if ui.button("⏭").on_hover_text("step forward (→)").clicked() {
                actions.push(Action::Step(1));
            }
            ui.checkbox(&mut s.looping, "loop");
            egui::ComboBox::from_id_salt("speed").selected_text(format!("{}x", s.speed)).width(60.0).show_ui(
                ui,
                |ui| {
                    for sp in SPEEDS {
                        ui.selectable_value(&mut s.speed, sp, format!("{sp}x"));
                    }
                },
            );
            if ui.button("fullscreen").on_hover_text("F").clicked() {
                actions.push(Action::ToggleFullscreen);
            }
            if ui
                .button(format!("fit ({:.2}x)", hud.zoom))
                .on_hover_text("reset view (0); wheel zooms, drag pans")
                .clicked()
            {
                actions.push(Action::ResetView);
            }
            let last = hud.frames_total.unwrap_or(1).max(1) - 1;
            let mut frame = hud.frame.unwrap_or(0);
            ui.spacing_mut().slider_width = (ui.available_width() - 120.0).max(60.0);
            let slider = ui.add(egui::Slider::new(&mut frame, 0..=last).text("frame"));
            if slider.drag_stopped() || (slider.changed() && !slider.dragged()) {
                actions.push(Action::Seek(frame));
            }
        });
    });
}

fn hud_panel(ctx: &egui::Context, s: &Settings, hud: &Hud) {
    egui::Area::new(egui::Id::new("hud")).anchor(egui::Align2::RIGHT_TOP, [-8.0, 8.0]).show(ctx, |ui| {
        egui::Frame::popup(ui.style()).show(ui, |ui| {
            let frame = hud.frame.map(|f| f.to_string()).unwrap_or_else(|| "-".into());
            let time = hud.frame.map(|f| f as f64 / hud.fps.max(1e-9)).unwrap_or(0.0);
            let total = hud.frames_total.map(|t| t.to_string()).unwrap_or_else(|| "?".into());
            ui.monospace(format!("{}  {}x{} @ {:.2} fps", hud.input, hud.width, hud.height, hud.fps));
            ui.monospace(&hud.colour);
            ui.monospace(format!("frame {frame} / {total}   t = {time:.3} s   {}", s.mode.label()));
            if let Some(r) = &hud.reference {
                ui.monospace(r);
            }
            if let Some((mse, psnr, ssim)) = hud.ab_frame {
                let ssim = ssim.map_or("-".into(), |v| format!("{v:.4}"));
                let amp = if s.mode == Mode::AbDiff { format!("   |A − B| ×{}", s.amplify) } else { String::new() };
                ui.monospace(format!("A/B  MSE {mse:.2}  PSNR {}  SSIM {ssim}{amp}", format_db(psnr)));
            }
            if let Some(line) = &hud.ab_more {
                ui.monospace(line);
            }
            if s.needs_symbols() {
                let plane = s.shown_plane();
                let pred = if s.needs_motion() { "motion-compensated" } else { "zero-motion" };
                ui.monospace(format!("symbols Q {}  {} planes  plane {plane}  ({pred} residual)", s.quant, s.planes()));
            }
            ui.monospace(format!(
                "display {:.1} fps   decode {:.1} fps   {}{}",
                hud.display_fps,
                hud.decode_fps,
                if s.playing { "playing" } else { "paused" },
                if s.speed != 1.0 { format!(" {}x", s.speed) } else { String::new() }
            ));
            if hud.has_timestamps {
                let t = &hud.timings;
                // Every pass that ran, three to a line.
                let mut items = vec![format!("upload {:.3}", t.upload_ms)];
                items.extend(t.passes.iter().map(|(name, ms)| format!("{name} {ms:.3}")));
                for (k, line) in items.chunks(3).enumerate() {
                    ui.monospace(format!("{}{}", if k == 0 { "GPU ms: " } else { "        " }, line.join("  ")));
                }
            } else {
                ui.monospace("GPU ms: no timestamps on this queue");
            }
            if let Some(p) = &hud.prediction {
                ui.monospace(p);
            }
            for line in [&hud.arrows, &hud.codec_mvs].into_iter().flatten() {
                ui.monospace(line);
            }
            ui.monospace(format!("{}  present {}", hud.device, hud.present_mode));
            if let Some(b) = &hud.behind {
                ui.colored_label(egui::Color32::from_rgb(255, 170, 60), b);
            }
            if let Some(d) = &hud.decode_errors {
                ui.colored_label(egui::Color32::from_rgb(255, 170, 60), d);
            }
            for n in &hud.notices {
                ui.colored_label(egui::Color32::from_rgb(255, 170, 60), n);
            }
            if let Some(h) = &hud.hover {
                hover_readout(ui, h);
            }
        });
    });
}

/// The readout of the pixel and block under the pointer (or the pinned block).
fn hover_readout(ui: &mut egui::Ui, h: &Hover) {
    ui.separator();
    match h.chroma {
        Some((cb, cr)) => ui.monospace(format!("pixel ({}, {})  Y {}  Cb {cb}  Cr {cr}", h.x, h.y, h.luma)),
        None => ui.monospace(format!("pixel ({}, {})  luma {}", h.x, h.y, h.luma)),
    };
    let pinned = if h.pinned { "pinned " } else { "" };
    ui.monospace(format!("{pinned}block (by {}, bx {})  SAD {}  SSE {}  mean {:.2}", h.by, h.bx, h.sad, h.sse, h.mean));
    if let Some(ab) = &h.ab {
        ui.monospace(format!("A {}  B {}  A − B {}", ab.a, ab.b, i32::from(ab.a) - i32::from(ab.b)));
        ui.monospace(format!("A/B block  SAD {}  SSE {}  PSNR {}", ab.sad, ab.sse, format_db(ab.psnr)));
    }
    if let Some((dx, dy, mc_sad)) = h.motion {
        let vector = match h.qpel {
            Some((qx, qy)) => format!("({qx}, {qy}) ¼ px = ({}, {}) px", qx as f32 / 4.0, qy as f32 / 4.0),
            None => format!("({dx}, {dy}) px"),
        };
        ui.monospace(format!("vector {vector}  MC-SAD {mc_sad}"));
    }
    if !h.pass_metrics.is_empty() {
        // Whole numbers (SADs, px errors) as they are; fractions (EPE) to 3 decimals.
        let value = |v: f32| if v.fract() == 0.0 { format!("{v}") } else { format!("{v:.3}") };
        let values: Vec<String> = h.pass_metrics.iter().map(|(label, v)| format!("{label} {}", value(*v))).collect();
        ui.monospace(values.join("  "));
    }
    if let Some(sym) = &h.symbols {
        let counts = &sym.nonzero[..sym.planes as usize];
        let counts: Vec<String> = counts.iter().map(u32::to_string).collect();
        ui.monospace(format!("non-zero trits per plane [{}]", counts.join(", ")));
        ui.monospace(format!(
            "rate {:.1} bits = mv {:.1} + residual {:.1}",
            sym.mv_bits + sym.residual_bits,
            sym.mv_bits,
            sym.residual_bits
        ));
    }
}
