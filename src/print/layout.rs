//! A small page model: documents are laid out into a display list of pages (text runs and
//! lines, in points, origin at the top left, y downwards), then rendered by `krilla`, which
//! shapes the text, subsets and embeds the font, and writes the PDF (with a ToUnicode map, so
//! the text can be searched and copied with its accents).
//!
//! Widths for centring and wrapping come from the font's own advance widths (`skrifa`, the
//! font reader krilla itself uses), ignoring kerning: close enough for wrapping with a margin.

use krilla::Document;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use super::PrintError;

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/DejaVuSans.LICENSE`).
static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// A4 in points.
pub(crate) const PAGE_W: f32 = 595.28;
pub(crate) const PAGE_H: f32 = 841.89;
pub(crate) const MARGIN_X: f32 = 50.0;
pub(crate) const MARGIN_TOP: f32 = 45.0;
pub(crate) const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ink {
    Black,
    Grey,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    /// `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        ink: Ink,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        ink: Ink,
    },
}

struct Face {
    pdf: Font,
    metrics: FontRef<'static>,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Result<Self, PrintError> {
        Ok(Face {
            pdf: Font::new(bytes.into(), 0).ok_or(PrintError::Font)?,
            metrics: FontRef::new(bytes).map_err(|_| PrintError::Font)?,
        })
    }
}

/// The embedded fonts and text measurement.
pub(crate) struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    pub(crate) fn load() -> Result<Self, PrintError> {
        Ok(Fonts {
            regular: Face::load(REGULAR)?,
            bold: Face::load(BOLD)?,
        })
    }

    fn face(&self, weight: Weight) -> &Face {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    /// Width of `text` in points at `size`.
    pub(crate) fn width(&self, weight: Weight, size: f32, text: &str) -> f32 {
        let font = &self.face(weight).metrics;
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
        text.chars()
            .map(|c| {
                charmap
                    .map(c)
                    .and_then(|g| metrics.advance_width(g))
                    .unwrap_or(size * 0.6)
            })
            .sum()
    }

    /// Greedy word wrap to `max` points; a word longer than a line is cut where it must be.
    /// Always at least one line (possibly empty).
    pub(crate) fn wrap(&self, weight: Weight, size: f32, text: &str, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.lines() {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if self.width(weight, size, &candidate) <= max {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // The word alone: cut it if it does not fit a line by itself.
                for c in word.chars() {
                    let mut next = line.clone();
                    next.push(c);
                    if !line.is_empty() && self.width(weight, size, &next) > max {
                        lines.push(std::mem::take(&mut line));
                        line.push(c);
                    } else {
                        line = next;
                    }
                }
            }
            lines.push(line);
        }
        if lines.is_empty() {
            lines.push(String::new());
        }
        lines
    }
}

/// One page being laid out.
pub(crate) struct Canvas<'f> {
    pub(crate) fonts: &'f Fonts,
    pub(crate) ops: Vec<Op>,
}

impl<'f> Canvas<'f> {
    pub(crate) fn new(fonts: &'f Fonts) -> Self {
        Canvas {
            fonts,
            ops: Vec::new(),
        }
    }

    pub(crate) fn text(&mut self, x: f32, y: f32, size: f32, weight: Weight, text: &str) {
        self.text_ink(x, y, size, weight, Ink::Black, text);
    }

    pub(crate) fn text_ink(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        ink: Ink,
        text: &str,
    ) {
        if text.is_empty() {
            return;
        }
        self.ops.push(Op::Text {
            x,
            y,
            size,
            weight,
            ink,
            text: text.to_string(),
        });
    }

    /// Text centred on `cx`.
    pub(crate) fn centred(
        &mut self,
        cx: f32,
        y: f32,
        size: f32,
        weight: Weight,
        ink: Ink,
        text: &str,
    ) {
        let w = self.fonts.width(weight, size, text);
        self.text_ink(cx - w / 2.0, y, size, weight, ink, text);
    }

    /// A bold label followed by a regular value on the same baseline; returns the end x.
    pub(crate) fn labelled(&mut self, x: f32, y: f32, size: f32, label: &str, value: &str) -> f32 {
        self.text(x, y, size, Weight::Bold, label);
        let vx = x + self.fonts.width(Weight::Bold, size, label);
        self.text(vx, y, size, Weight::Regular, value);
        vx + self.fonts.width(Weight::Regular, size, value)
    }

    pub(crate) fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        self.line_ink(x1, y1, x2, y2, width, Ink::Black);
    }

    pub(crate) fn line_ink(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32, ink: Ink) {
        self.ops.push(Op::Line {
            x1,
            y1,
            x2,
            y2,
            width,
            ink,
        });
    }

    /// A horizontal rule across the content width.
    pub(crate) fn rule(&mut self, y: f32) {
        self.line(MARGIN_X, y, PAGE_W - MARGIN_X, y, 0.6);
    }
}

fn grey(ink: Ink) -> luma::Color {
    match ink {
        Ink::Black => luma::Color::black(),
        Ink::Grey => luma::Color::new(110),
    }
}

/// Render laid-out A4 pages into PDF bytes.
pub(crate) fn render(fonts: &Fonts, title: &str, pages: &[Vec<Op>]) -> Result<Vec<u8>, PrintError> {
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(title.to_string())
            .language("pt-BR".to_string())
            .creator("Sistema APS".to_string()),
    );
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(PrintError::Pdf("tamanho de página".into()))?;
    for ops in pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    weight,
                    ink,
                    text,
                } => {
                    surface.set_stroke(None);
                    surface.set_fill(Some(Fill {
                        paint: grey(*ink).into(),
                        opacity: NormalizedF32::ONE,
                        rule: Default::default(),
                    }));
                    surface.draw_text(
                        Point::from_xy(*x, *y),
                        fonts.face(*weight).pdf.clone(),
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    width,
                    ink,
                } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(*x1, *y1);
                    pb.line_to(*x2, *y2);
                    let Some(path) = pb.finish() else { continue };
                    surface.set_fill(None);
                    surface.set_stroke(Some(Stroke {
                        paint: grey(*ink).into(),
                        width: *width,
                        ..Default::default()
                    }));
                    surface.draw_path(&path);
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PrintError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_respects_the_width_and_keeps_every_word() {
        let fonts = Fonts::load().expect("fonts");
        let text = "Tomar após o café da manhã, com bastante água, e não partir o comprimido";
        let lines = fonts.wrap(Weight::Regular, 11.0, text, 150.0);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(fonts.width(Weight::Regular, 11.0, l) <= 150.0, "{l}");
        }
        assert_eq!(lines.join(" "), text);
        let long = fonts.wrap(Weight::Regular, 11.0, &"A".repeat(200), 100.0);
        assert!(long.len() > 1);
        assert_eq!(long.concat(), "A".repeat(200));
        assert_eq!(fonts.wrap(Weight::Regular, 11.0, "", 100.0), [""]);
    }
}
