// The event loop stays responsive while runs train at full speed on every core: a 10 ms probe timer
// measures how late the whole window (runs panel, live updater, dashboard and its repaints) serves
// it. Registered RUN_SERIAL in tests/ui/CMakeLists.txt: it measures the app, not the tests beside it.
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QtTest>
#include <functional>

#include <QSettings>

#include "window_fixture.h"
#include "ui/charts/line_chart.h"
#include "ui/dashboard/dashboard.h"
#include "ui/dashboard/live_updater.h"
#include "ui/engine/run_manager.h"
#include "ui/mainwindow.h"

using namespace udlab::ui;

namespace {
QString loadAverage() {
  QFile f("/proc/loadavg");
  return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()).section(' ', 0, 0) : QString("?");
}

// Worst lateness of a 10 ms timer, in ms, over at least `ms` and until done() (if given).
qint64 probeLateness(int ms, const std::function<bool()>& done) {
  QElapsedTimer clock;
  clock.start();
  qint64 last = 0, worst = 0;
  QTimer probe;
  probe.setTimerType(Qt::PreciseTimer);
  probe.setInterval(10);
  QObject::connect(&probe, &QTimer::timeout, [&] {
    const qint64 now = clock.elapsed();
    if (last) worst = std::max(worst, now - last - 10);
    last = now;
  });
  probe.start();
  // A real event loop that sleeps when idle, as the app's does (processEvents(flags, ms) would spin).
  QEventLoop loop;
  QTimer check;
  check.setInterval(50);
  QObject::connect(&check, &QTimer::timeout, [&] {
    if (clock.elapsed() >= ms && (!done || done())) loop.quit();
  });
  check.start();
  loop.exec();
  return worst;
}
}  // namespace

class TestUiLatency : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

 private slots:
  void initTestCase() {
    QSettings s(tmp_.filePath("settings.ini"), QSettings::IniFormat);
    s.setValue("runs/root", tmp_.filePath("runs"));
  }
  void eventLoopStaysResponsiveWhileTraining() {
    // A shared host can stall any process now and then (one 102 ms stall was seen in about thirty runs
    // here, the others measuring 14-27 ms). A stall caused by udlab repeats, so the measurement gets a
    // second attempt and the test fails only if both stall.
    qint64 first = 0;
    QVERIFY(measure(&first));
    if (first < 50) return;
    qint64 second = 0;
    QVERIFY(measure(&second));
    QVERIFY2(second < 50, qPrintable(QString("the event loop stalled %1 ms, then %2 ms").arg(first).arg(second)));
  }

 private:
  // Two training processes per core, each logging a record every step, all shown on the dashboard.
  // Returns false if the setup failed.
  bool measure(qint64* worstOut) {
    const int runs = 2 * std::max(1, QThread::idealThreadCount());
    const double loadBefore = loadAverage().toDouble();
    const qint64 idle = probeLateness(1000, nullptr);
    MainWindow w(tmp_.filePath("settings.ini"));
    w.resize(1500, 900);
    w.show();
    if (!QTest::qWaitForWindowExposed(&w)) return false;
    w.runs()->setMaxConcurrent(runs);
    for (int i = 0; i < runs; ++i) {
      // Real runs (udlab-cli children), logging every step, far more often than a real run's log_every.
      udlab::RunConfig c = udlab::test::tinyCopyRun("rnn-tanh", 1500);
      c.train.log_every = 1;
      if (w.startRun(c, QString("r%1").arg(i)) < 0) return false;
    }
    QElapsedTimer total;
    total.start();
    const qint64 worst = probeLateness(0, [&] { return w.runs()->activeCount() == 0 || total.elapsed() > 120000; });
    if (w.runs()->activeCount() != 0) return false;
    for (auto& r : w.runs()->runs())
      if (r->state != "finished") return false;
    w.updater()->forceRedraw();
    if (w.dashboard()->lossChart()->displayedPoints() <= 0 || w.updater()->redraws() < 3) return false;  // charts really redrew
    const double wall = total.elapsed();
    qInfo("worst event-loop lateness %lld ms during %d busy runs on %d cores (%.1f s), %lld ms idle before; "
          "load average %.1f before, %s after",
          worst, runs, QThread::idealThreadCount(), wall / 1e3, idle, loadBefore, qPrintable(loadAverage()));
    qInfo("GUI thread: %.0f ms CPU over %d frames (%.1f ms per frame, %.1f%% of one core), last frame %.1f ms, "
          "interval now %d ms",
          w.updater()->guiCpuMs(), w.updater()->redraws(), w.updater()->guiCpuMs() / std::max(1, w.updater()->redraws()),
          100.0 * w.updater()->guiCpuMs() / wall, w.updater()->lastFrameCpuMs(), w.updater()->intervalMs());
    *worstOut = worst;
    return true;
  }
};

QTEST_MAIN(TestUiLatency)
#include "test_ui_latency.moc"
