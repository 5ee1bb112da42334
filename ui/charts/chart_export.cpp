#include "ui/charts/chart_export.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QImage>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QWidget>
#include <algorithm>

namespace udlab::ui {

ImageFormat imageFormatFor(const QString& path) {
  const QString ext = QFileInfo(path).suffix().toLower();
  if (ext == "png") return ImageFormat::Png;
  if (ext == "svg") return ImageFormat::Svg;
  if (ext == "pdf") return ImageFormat::Pdf;
  return ImageFormat::Unknown;
}

namespace {
constexpr int kCaptionH = 28;

void paint(QWidget* w, QPainter& p, const ExportOptions& o) {
  p.fillRect(QRect(0, 0, w->width(), w->height() + (o.caption.isEmpty() ? 0 : kCaptionH)), Qt::white);
  w->render(&p, QPoint(), QRegion(), QWidget::DrawChildren | QWidget::DrawWindowBackground);
  if (!o.caption.isEmpty()) {
    QFont f = p.font();
    f.setPointSize(9);
    p.setFont(f);
    p.setPen(Qt::black);
    p.drawText(QRect(8, w->height(), w->width() - 16, kCaptionH), Qt::AlignVCenter | Qt::AlignLeft | Qt::TextSingleLine,
               o.caption);
  }
}
}  // namespace

QString exportWidget(QWidget* w, const QString& path, const ExportOptions& o) {
  const ImageFormat fmt = imageFormatFor(path);
  if (fmt == ImageFormat::Unknown) return QStringLiteral("unknown image format for '%1' (use .png, .svg or .pdf)").arg(path);
  if (w->width() < 8 || w->height() < 8) return QStringLiteral("nothing to export: the chart has no size yet");
  // Qt Charts applies a new title or axis range at its next layout pass, a posted event: render
  // before it runs and the file shows the previous frame's title.
  QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
  const QSize logical(w->width(), w->height() + (o.caption.isEmpty() ? 0 : kCaptionH));
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) return QStringLiteral("cannot write '%1': %2").arg(path, file.errorString());
  if (fmt == ImageFormat::Png) {
    const double s = std::clamp(o.pngScale, 0.3, 13.0);
    QImage img(QSize(int(logical.width() * s), int(logical.height() * s)), QImage::Format_ARGB32_Premultiplied);
    img.setDevicePixelRatio(s);
    img.fill(Qt::white);
    {
      QPainter p(&img);
      p.setRenderHint(QPainter::Antialiasing);
      paint(w, p, o);
    }
    if (!img.save(&file, "PNG")) {
      file.cancelWriting();
      return QStringLiteral("PNG encoding failed for '%1'").arg(path);
    }
  } else if (fmt == ImageFormat::Svg) {
    QSvgGenerator gen;
    gen.setOutputDevice(&file);
    gen.setSize(logical);
    gen.setViewBox(QRect(QPoint(0, 0), logical));
    gen.setResolution(96);  // so the file's physical width/height match 96 logical px per inch
    gen.setTitle(QFileInfo(path).completeBaseName());
    gen.setDescription(o.caption.isEmpty() ? QStringLiteral("udlab chart") : o.caption);
    QPainter p(&gen);
    paint(w, p, o);
  } else {
    QPdfWriter pdf(&file);
    pdf.setResolution(96);
    pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
    // One page exactly the widget's size: 96 logical pixels per inch, 72 points per inch.
    const QSizeF inches = o.pageInches.isEmpty() ? QSizeF(logical.width() / 96.0, logical.height() / 96.0) : o.pageInches;
    pdf.setPageSize(QPageSize(inches, QPageSize::Inch, QString(), QPageSize::ExactMatch));
    pdf.setCreator("udlab");
    QPainter p(&pdf);
    // The page at 96 dots per inch may differ from the widget's whole pixels by a fraction: scale.
    p.scale(inches.width() * 96.0 / logical.width(), inches.height() * 96.0 / logical.height());
    paint(w, p, o);
  }
  if (!file.commit()) return QStringLiteral("cannot write '%1': %2").arg(path, file.errorString());
  return {};
}

QString exportCsv(const QString& path, const std::function<bool(QIODevice*, QString*)>& writer) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) return QStringLiteral("cannot write '%1': %2").arg(path, file.errorString());
  QString err;
  if (!writer(&file, &err)) {
    file.cancelWriting();
    return QStringLiteral("cannot write '%1': %2").arg(path, err);
  }
  if (!file.commit()) return QStringLiteral("cannot write '%1': %2").arg(path, file.errorString());
  return {};
}

}  // namespace udlab::ui
