// Colours and the chart style, free of Qt Charts types so panels can use them. Run colours come from
// the Okabe–Ito palette (safe for the common colour-vision deficiencies); a run keeps its index, hence
// its colour, in every chart.
#pragma once
#include <QColor>
#include <QWidget>

namespace udlab::ui {

QColor runColor(int index);  // Okabe–Ito, cycling; yellow last since it is faint on white

struct ChartStyle {
  bool dark = false;      // follows the system palette unless overridden
  bool teaching = false;  // white background, large fonts, thick lines (for slides)
  double lineWidth() const { return teaching ? 3.5 : 2.0; }
  int titlePt() const { return teaching ? 18 : 11; }
  int labelPt() const { return teaching ? 14 : 9; }
};

// Dark when the widget's window colour is dark (Qt 6.4 has no colorScheme()).
bool systemIsDark(const QWidget* w);

}  // namespace udlab::ui
