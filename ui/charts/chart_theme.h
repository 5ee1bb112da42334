// Colours and the chart style, free of Qt Charts types so panels can use them. Run colours come from
// the Okabe–Ito palette (safe for the common colour-vision deficiencies); a run keeps its index, hence
// its colour, in every chart.
#pragma once
#include <QColor>
#include <QString>
#include <QWidget>
#include <vector>
#include <algorithm>
#include <cmath>

namespace udlab::ui {

QColor runColor(int index);  // Okabe–Ito, cycling; yellow last since it is faint on white
QColor readableOnWhite(const QColor& c);  // the run's colour darkened enough for text on white

struct ChartStyle {
  bool dark = false;      // follows the system palette unless overridden
  bool teaching = false;  // white background, large fonts, thick lines (for slides)
  // Figures (ui/plot/figure.h) size fonts and lines to the page: 1 on a 13.33 in slide, less on a column.
  double scale = 1.0;
  bool figure = false;  // a figure, not a window: tight margins, every pixel for the plot
  double lineWidth() const { return (teaching ? 3.5 : 2.0) * scale; }
  int titlePt() const { return std::max(6, int(std::lround((teaching ? 18 : 11) * scale))); }
  int labelPt() const { return std::max(5, int(std::lround((teaching ? 14 : 9) * scale))); }
};

// Dark when the widget's window colour is dark (Qt 6.4 has no colorScheme()).
bool systemIsDark(const QWidget* w);

namespace detail {
// Qt Charts' legend elides labels by dividing its width among all markers, hidden ones included, so
// charts draw their own: a word-wrapped rich-text line of coloured glyphs under the plot. Being a
// child widget, it is part of every PNG/SVG/PDF export.
struct LegendEntry {
  QString label;
  QColor color;
  QString glyph;  // e.g. "━━", "╌╌", "●"
};
QString legendHtml(const std::vector<LegendEntry>& entries);
// White background and black text for the teaching style; the palette otherwise.
void styleChartWidget(QWidget* w, const ChartStyle& s);
}  // namespace detail

}  // namespace udlab::ui
