// Figure sizes by purpose (a slide, a journal column, a page) or explicit, in inches: what `udlab-cli
// plot --size` and the window's export both accept. Layout happens at 96 logical pixels per inch, so a
// PDF page is exactly the size asked for and a PNG is that size times its dpi.
#pragma once
#include <QSize>
#include <QString>
#include <QStringList>

namespace udlab::ui {

struct FigureSize {
  QString name;  // slide, slide43, column, page, or the spec as given
  double wIn = 13.333, hIn = 7.5;
  static constexpr double kLogicalDpi = 96;
  QSize logical() const;  // the layout size in logical pixels
  // Font and line scale: 1 on a 13.33 in slide, down to 0.5 on a 3.5 in column.
  double styleScale() const;
};

// The named sizes ("slide", "slide43", "column", "page") for one chart, or for a dashboard of many
// (a column or a page figure of the whole dashboard is taller than one of a single chart).
QStringList figureSizeNames();
// Parses a name, or W×H with a unit: "1600x900px", "8x4.5in" (x or ×). Returns "" or a one-line error.
QString parseFigureSize(const QString& spec, bool dashboard, FigureSize* out);

}  // namespace udlab::ui
