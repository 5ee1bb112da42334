// Offscreen chart tests: the replace path, NaN and log handling, decimation on screen, exports (PNG,
// SVG, PDF checked by magic bytes/size/XML parse) and CSV columns against the metrics.
#include <QXmlStreamReader>
#include <QChartView>
#include <QLogValueAxis>
#include <QValueAxis>
#include <QLabel>
#include <QTextBlock>
#include <QTextDocument>
#include <QTextLayout>
#include <QLineSeries>
#include <QScatterSeries>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "synthetic_run.h"
#include "ui/charts/chart_export.h"
#include "ui/charts/chart_math.h"
#include "ui/charts/complex_plane_chart.h"
#include "ui/charts/line_chart.h"
#include "ui/dashboard/dashboard.h"
#include "core/io/run_reader.h"

using namespace udlab;
using namespace udlab::ui;

namespace {
// Every numeric axis of a chart widget has finite bounds, lo < hi ("" when so, else which one is not).
QString badAxis(QWidget& w) {
  auto* view = w.findChild<QChartView*>();
  if (!view) return "no chart view";
  for (QAbstractAxis* a : view->chart()->axes()) {
    double lo, hi;
    if (auto* v = qobject_cast<QValueAxis*>(a)) lo = v->min(), hi = v->max();
    else if (auto* l = qobject_cast<QLogValueAxis*>(a)) lo = l->min(), hi = l->max();
    else continue;
    if (!(std::isfinite(lo) && std::isfinite(hi) && lo < hi)) return QString("axis [%1, %2]").arg(lo).arg(hi);
  }
  return "";
}

QByteArray readAll(const QString& p) {
  QFile f(p);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
}  // namespace

class TestUiCharts : public QObject {
  Q_OBJECT
 private slots:
  void lineChartDecimatesLargeSeries() {
    LineChart c;
    c.resize(800, 500);
    c.show();
    QVERIFY(QTest::qWaitForWindowExposed(&c));
    Curve k;
    k.id = "a";
    k.label = "train";
    k.color = runColor(0);
    for (int i = 0; i < 100000; ++i) {
      k.x.push_back(i);
      k.y.push_back(1.0 + std::sin(i * 0.01));
    }
    c.setCurves({k});
    QSignalSpy spy(&c, &LineChart::redrawn);
    QElapsedTimer t;
    t.start();
    c.refresh();
    const qint64 ms = t.elapsed();
    QCOMPARE(spy.count(), 1);
    const int shown = spy.at(0).at(0).toInt();
    QVERIFY2(shown > 100 && shown < 10000, qPrintable(QString::number(shown)));
    qInfo("1e5-point refresh: %lld ms, %d points drawn", ms, shown);
    // The chart keeps the full data for CSV.
    QCOMPARE(c.curves()[0].x.size(), size_t(100000));
  }
  void nanAndLogClamp() {
    LineChart c;
    c.resize(600, 400);
    c.show();
    Curve k;
    k.id = "g";
    k.label = "grad";
    k.color = runColor(1);
    k.x = {0, 1, 2, 3, 4, 5};
    k.y = {0.0, NAN, 1.0, INFINITY, 10.0, -3.0};
    c.setCurves({k});
    QSignalSpy spy(&c, &LineChart::redrawn);
    c.refresh();
    QCOMPARE(spy.last().at(0).toInt(), 4);  // 0, 1, 10, -3: NaN and Inf gone
    c.setLogY(true);
    c.refresh();
    QCOMPARE(spy.last().at(0).toInt(), 2);  // only the positive ones on a log axis
    c.setSmoothing(0.9);
    c.refresh();
    // Raw: 1 and 10. Smoothed (TensorBoard EMA over 0, 1, 10, -3): 0 stays 0 and is dropped, the
    // rest stay positive: 3 points.
    QCOMPARE(spy.last().at(0).toInt(), 5);
  }
  void extremeValuesNeverGiveAnAxisANonFiniteBound() {
    // Issue 16: 1e308 on a log axis rounded up to the decade 10^309 = inf, and Qt Charts crashed on the
    // infinite range. NaN and Inf are gaps in the curves (nonFiniteValuesAreGapsWithAMarker), and
    // every axis bound stays finite, linear or log, whatever the data (x included).
    LineChart c;
    c.resize(600, 400);
    c.show();
    Curve k;
    k.id = "g";
    k.x = {0, 1, 2, 3, 4, 5, 6};
    k.y = {NAN, 1e308, -1e308, INFINITY, 1e-320, 5.0, -INFINITY};
    Curve wide;
    wide.id = "w";
    wide.x = {-1e308, 0, 1e308, INFINITY};
    wide.y = {1e-308, 1e308, NAN, 1.0};
    Curve none;
    none.id = "n";
    none.x = {0, 1};
    none.y = {NAN, INFINITY};
    for (const auto& curves : {std::vector<Curve>{k}, std::vector<Curve>{k, wide}, std::vector<Curve>{none}})
      for (bool log : {false, true}) {
        c.setLogY(log);
        c.setCurves(curves);
        c.refresh();
        QCoreApplication::processEvents();
        const QString bad = badAxis(c);
        QVERIFY2(bad.isEmpty(), qPrintable(QString("%1 curve(s), log %2: %3").arg(curves.size()).arg(log).arg(bad)));
      }
    ComplexPlaneChart p;
    p.resize(500, 500);
    p.show();
    PointSet z;
    z.id = "z";
    z.z = {{1e308, 1e308}, {-1e308, NAN}, {INFINITY, 0}, {0.5, 0.5}};
    p.setPointSets({z});
    p.refresh();
    QCoreApplication::processEvents();
    QVERIFY2(badAxis(p).isEmpty(), qPrintable(badAxis(p)));
  }
  void nonFiniteValuesAreGapsWithAMarker() {
    // Issue 16: NaN/Inf are data. The line stops at a gap and starts again after it (never joined across),
    // a small triangle at the foot of the plot marks each gap, the legend says what it means, and the
    // axes stay finite. Up to maxParts stretches; past that the narrowest gaps are bridged (still marked).
    Pieces p = splitAtGaps({0, 1, 2, 3, 4, 5, 6, 7}, {NAN, 1, 2, NAN, INFINITY, 5, -6, NAN}, false);
    QCOMPARE(p.parts.size(), size_t(2));
    QCOMPARE(p.parts[0].x, (std::vector<double>{1, 2}));
    QCOMPARE(p.parts[1].x, (std::vector<double>{5, 6}));
    QCOMPARE(p.gaps, (std::vector<double>{0, 3, 7}));
    QCOMPARE(splitAtGaps({0, 1, 2, 3}, {1, -1, 2, NAN}, true).parts.size(), size_t(1));  // y <= 0 on log: dropped, no gap
    std::vector<double> xs, ys;
    for (int i = 0; i < 100; ++i) xs.push_back(i), ys.push_back(i % 3 == 2 ? NAN : 1.0);
    ys[50] = ys[51] = ys[52] = ys[53] = NAN;  // one wide gap among narrow ones: it stays a break
    p = splitAtGaps(xs, ys, false, 4);
    QCOMPARE(p.parts.size(), size_t(4));
    QVERIFY(std::any_of(p.parts.begin(), p.parts.end(), [](const XY& a) { return a.x.back() == 49; }));

    LineChart c;
    c.resize(600, 400);
    c.show();
    QVERIFY(QTest::qWaitForWindowExposed(&c));
    Curve k;
    k.id = "loss";
    k.label = "train";
    k.color = runColor(2);
    for (int i = 0; i <= 100; ++i) {
      k.x.push_back(i);
      k.y.push_back(i >= 40 && i < 60 ? NAN : i == 100 ? INFINITY : 1.0 + 0.01 * i);
    }
    for (bool log : {false, true})
      for (double smoothing : {0.0, 0.6}) {
        c.setLogY(log);
        c.setSmoothing(smoothing);
        c.setCurves({k});
        c.refresh();
        QCoreApplication::processEvents();
        const QString what = QString("log %1, smoothing %2").arg(log).arg(smoothing);
        QVERIFY2(badAxis(c).isEmpty(), qPrintable(what + ": " + badAxis(c)));
        auto* chart = c.findChild<QChartView*>()->chart();
        int pieces = 0;
        QList<QPointF> marks;
        for (QAbstractSeries* s : chart->series()) {
          if (auto* sc = qobject_cast<QScatterSeries*>(s)) marks += sc->points();
          auto* l = qobject_cast<QLineSeries*>(s);
          if (!l || l->count() == 0) continue;
          ++pieces;
          const auto pts = l->points();
          // No series joins across the gap: each lies wholly before x = 40 or from x = 60 on.
          QVERIFY2(pts.back().x() < 40 || pts.front().x() >= 60, qPrintable(what));
        }
        QCOMPARE(pieces, smoothing > 0 ? 4 : 2);  // before and after the gap (raw underlay and smoothed line each)
        QCOMPARE(marks.size(), 2);                // the gap at 40 and the Inf at 100
        QCOMPARE(marks[0].x(), 40.0);
        QCOMPARE(marks[1].x(), 100.0);
        QVERIFY(c.findChild<QLabel*>()->text().contains("not finite"));
      }
    // The gap closes when the values come: the extra series and the markers go.
    for (auto& v : k.y) v = std::isfinite(v) ? v : 2.0;
    c.setLogY(false);
    c.setSmoothing(0);
    c.setCurves({k});
    c.refresh();
    int series = 0;
    for (QAbstractSeries* s : c.findChild<QChartView*>()->chart()->series()) series += qobject_cast<QLineSeries*>(s) || qobject_cast<QScatterSeries*>(s);
    QCOMPARE(series, 1);
    QVERIFY(!c.findChild<QLabel*>()->text().contains("not finite"));
  }
  void legendsBreakAtSpacesNotHyphens() {
    // "rnn-tanh" wrapped as "rnn-" / "tanh" in a narrow legend; it now breaks only between words.
    QTextDocument doc;
    doc.setHtml(detail::legendHtml({{"lr 3e-3 rnn-tanh", runColor(0), "━━"}, {"group-rnn O(8)", runColor(1), "━━"}}));
    for (double w : {90.0, 120.0, 160.0}) {
      doc.setTextWidth(w);
      doc.size();  // lays the document out
      const QString text = doc.firstBlock().text();
      QTextLayout* l = doc.firstBlock().layout();
      QVERIFY(l->lineCount() > 1);
      for (int i = 0; i + 1 < l->lineCount(); ++i) {
        const QString line = text.mid(l->lineAt(i).textStart(), l->lineAt(i).textLength()).trimmed();
        QVERIFY2(!line.endsWith('-') && !line.endsWith(QString("-") + QChar(0x2060)), qPrintable(QString("width %1: line '%2'").arg(w).arg(line)));
      }
    }
  }
  void flatCurveAfterWideAxisDoesNotHang() {
    // A hidden-state norm held to rounding error (a group model's ‖h_t‖) drawn after a 0..1 axis once
    // asked Qt Charts for ~1e16 tick labels and froze the window. Several orders of flatness, each
    // after a wide range: every refresh must finish promptly.
    LineChart c;
    c.resize(600, 400);
    c.show();
    QVERIFY(QTest::qWaitForWindowExposed(&c));
    for (double eps : {0.0, 1e-15, 1e-12, 1e-9, 1e-7}) {
      Curve wide;
      wide.id = "h";
      wide.x = {0, 1000};
      wide.y = {0, 1};
      c.setCurves({wide});
      c.refresh();
      Curve flat;
      flat.id = "h";
      for (int t = 0; t < 64; ++t) {
        flat.x.push_back(t);
        flat.y.push_back(3.51725 + (t % 2 ? eps : 0.0));
      }
      c.setCurves({flat});
      QElapsedTimer timer;
      timer.start();
      c.refresh();
      QCoreApplication::processEvents();  // the layout that formats the labels
      QVERIFY2(timer.elapsed() < 5000, qPrintable(QString("eps %1 took %2 ms").arg(eps).arg(timer.elapsed())));
      QVERIFY(c.displayedPoints() > 0);
    }
  }
  void complexPlaneDrawsSets() {
    ComplexPlaneChart c;
    c.resize(500, 500);
    c.show();
    PointSet p;
    p.id = "a";
    p.label = "λ";
    p.color = runColor(0);
    p.z = {{0.5, 0.5}, {0.9, 0}, {NAN, 0}};
    c.setPointSets({p});
    c.setRings({{0.9, "r_min"}, {0.999, "r_max"}});
    QSignalSpy spy(&c, &ComplexPlaneChart::redrawn);
    c.refresh();
    QCOMPARE(spy.last().at(0).toInt(), 2);
  }
  void exportsValidFiles_data() {
    QTest::addColumn<QString>("ext");
    QTest::newRow("png") << "png";
    QTest::newRow("svg") << "svg";
    QTest::newRow("pdf") << "pdf";
  }
  void exportsValidFiles() {
    QFETCH(QString, ext);
    QTemporaryDir tmp, run;
    udlab::test::writeSyntheticRun(run.path().toStdString(), 1000, 10);
    auto loaded = readRunDirectory(run.path().toStdString());
    Dashboard dash;
    dash.resize(1300, 750);
    dash.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dash));
    dash.setRuns({{1, "synthetic", runColor(0), &loaded.data}});
    for (auto& e : dash.exportables()) {
      const QString path = tmp.filePath(e.name + "." + ext);
      QString err = exportWidget(e.widget, path);
      QVERIFY2(err.isEmpty(), qPrintable(err));
      QByteArray b = readAll(path);
      QVERIFY2(b.size() > 2000, qPrintable(QString("%1: %2 bytes").arg(path).arg(b.size())));
      if (ext == "png") QVERIFY(b.startsWith("\x89PNG\r\n\x1a\n"));
      if (ext == "pdf") {
        QVERIFY(b.startsWith("%PDF-"));
        QVERIFY(b.trimmed().endsWith("%%EOF"));
      }
      if (ext == "svg") {
        QXmlStreamReader xml(b);
        QString root;
        int vectors = 0;
        while (!xml.atEnd()) {
          if (xml.readNext() != QXmlStreamReader::StartElement) continue;
          if (root.isEmpty()) root = xml.name().toString();
          if (xml.name() == QLatin1String("path") || xml.name() == QLatin1String("polyline")) ++vectors;
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QCOMPARE(root, QString("svg"));
        // Vector output: the curves are paths/polylines, not one embedded bitmap.
        QVERIFY(vectors > 0);
      }
    }
    const QString all = tmp.filePath("dashboard." + ext);
    QVERIFY(exportWidget(dash.chartsArea(), all).isEmpty());
    QVERIFY(QFileInfo(all).size() > 5000);
  }
  void exportRejectsBadPaths() {
    LineChart c;
    c.resize(300, 200);
    QVERIFY(exportWidget(&c, "/tmp/x.bmpx").contains("unknown image format"));
    QVERIFY(exportWidget(&c, "/nonexistent-dir/x.png").contains("cannot write"));
  }
  void csvColumnsMatchMetrics() {
    QTemporaryDir tmp, run;
    udlab::test::writeSyntheticRun(run.path().toStdString(), 300, 10);
    auto loaded = readRunDirectory(run.path().toStdString());
    Dashboard dash;
    dash.resize(1200, 700);
    dash.setRuns({{1, "r", runColor(0), &loaded.data}});
    dash.setSmoothing(0.9);  // CSV must stay raw regardless
    auto ex = dash.exportables();
    const QString path = tmp.filePath("loss.csv");
    QVERIFY(exportCsv(path, ex[0].csv).isEmpty());
    QStringList lines = QString::fromUtf8(readAll(path)).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines[0], QString("step,train,val"));
    QCOMPARE(lines.size(), 1 + 30);  // every logged step, full resolution
    // Row for step 50 holds the exact train_loss and the val_loss logged there.
    const auto& tl = *loaded.data.series("train_loss");
    const auto& vl = *loaded.data.series("val_loss");
    QStringList row = lines[5].split(',');
    QCOMPARE(row[0], QString("50"));
    QVERIFY(std::abs(row[1].toDouble() - tl.y[4]) < 1e-9);
    QVERIFY(std::abs(row[2].toDouble() - vl.y[0]) < 1e-9);
    QVERIFY(lines[1].endsWith(","));  // no val at step 10: empty cell, not an invented value
    // Gradient CSV: one column per tensor group plus the global norm.
    const QString gpath = tmp.filePath("grad.csv");
    QVERIFY(exportCsv(gpath, ex[1].csv).isEmpty());
    QString gh = QString::fromUtf8(readAll(gpath)).section('\n', 0, 0);
    QCOMPARE(gh, QString("step,global,embedding.weight,head.weight,rnn.weight_hh_l*"));
    const QString epath = tmp.filePath("eigen.csv");
    QCOMPARE(ex[5].name, QString("eigen"));  // after the membership chart (its own axis)
    QVERIFY(exportCsv(epath, ex[5].csv).isEmpty());
    QStringList el = QString::fromUtf8(readAll(epath)).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(el[0], QString("set,re,im,abs"));
    QCOMPARE(el.size(), 1 + 32);  // 16 current + 16 previous step
  }
};

QTEST_MAIN(TestUiCharts)
#include "test_ui_charts.moc"
