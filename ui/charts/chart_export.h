// Export of any chart, or any widget holding charts (the dashboard), to PNG (chosen scale), SVG
// (QSvgGenerator) or PDF (QPdfWriter), and of chart data to CSV. Every file goes through QSaveFile, so
// a failed export never leaves a half-written file. Errors come back as a message, never a throw.
#pragma once
#include <QSizeF>
#include <QString>
#include <functional>

class QIODevice;
class QWidget;

namespace udlab::ui {

enum class ImageFormat { Png, Svg, Pdf, Unknown };
ImageFormat imageFormatFor(const QString& path);  // by extension

struct ExportOptions {
  double pngScale = 2.0;  // device pixels per logical pixel for PNG (2 = "retina", 3 for print)
  QString caption;        // optional line drawn under the image (e.g. the run's config)
  // PDF page size in inches (the widget scaled to fill it); empty = the widget's size at 96 px per inch.
  QSizeF pageInches;
};

// Renders w at its current size. Returns "" on success, else a one-line error.
QString exportWidget(QWidget* w, const QString& path, const ExportOptions& opts = {});
// Writes path through QSaveFile with the given writer (e.g. LineChart::writeCsv).
QString exportCsv(const QString& path, const std::function<bool(QIODevice*, QString*)>& writer);

}  // namespace udlab::ui
