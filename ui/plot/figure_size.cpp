#include "ui/plot/figure_size.h"

#include <QRegularExpression>
#include <algorithm>
#include <cmath>

namespace udlab::ui {

QSize FigureSize::logical() const { return QSize(int(std::lround(wIn * kLogicalDpi)), int(std::lround(hIn * kLogicalDpi))); }

double FigureSize::styleScale() const { return std::clamp(std::min(wIn / 13.333, hIn / 7.5) * 1.0, 0.5, 1.0); }

QStringList figureSizeNames() { return {"slide", "slide43", "column", "page"}; }

QString parseFigureSize(const QString& specIn, bool dashboard, FigureSize* out) {
  const QString spec = specIn.trimmed().toLower();
  FigureSize s;
  s.name = spec;
  if (spec == "slide") {
    s.wIn = 13.333, s.hIn = 7.5;  // 16:9, PowerPoint's and Beamer-at-scale default
  } else if (spec == "slide43") {
    s.wIn = 10, s.hIn = 7.5;
  } else if (spec == "column") {
    s.wIn = 3.5, s.hIn = dashboard ? 10.0 : 2.625;  // one column of a two-column paper (the dashboard: all of it)
  } else if (spec == "page") {
    s.wIn = 6.5, s.hIn = dashboard ? 6.5 : 4.0;  // the text width of a letter/A4 page
  } else {
    static const QRegularExpression re(R"(^\s*([0-9]*\.?[0-9]+)\s*[x×]\s*([0-9]*\.?[0-9]+)\s*(px|in)\s*$)");
    const auto m = re.match(spec);
    if (!m.hasMatch())
      return QString("unknown size '%1' (use slide, slide43, column, page, or WxH with px or in, e.g. 1600x900px, 8x4.5in)")
          .arg(specIn);
    double w = m.captured(1).toDouble(), h = m.captured(2).toDouble();
    if (m.captured(3) == "px") w /= FigureSize::kLogicalDpi, h /= FigureSize::kLogicalDpi;
    if (!(w >= 1.0 && h >= 1.0 && w <= 60 && h <= 60))
      return QString("size '%1' is out of range (each side 1..60 in, i.e. 96..5760 px)").arg(specIn);
    s.wIn = w, s.hIn = h;
  }
  *out = s;
  return {};
}

}  // namespace udlab::ui
