// The event loop stays responsive while runs train at full speed on every core: a 10 ms probe timer
// measures how long the whole window (runs panel, live updater, dashboard and its repaints) holds it. Registered RUN_SERIAL in tests/ui/CMakeLists.txt: it measures the app, not the tests beside it.
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QtTest>
#include <ctime>
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

struct Probe {
  qint64 worstLateMs = 0;   // wall clock: how late the 10 ms timer fired, at worst
  double worstHeldMs = 0;   // GUI-thread CPU between two of its firings, at worst
};

double threadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// A 10 ms timer, over at least `ms` and until done() (if given). Its lateness is what the user feels,
// but on a shared machine it also counts the time other processes held the cores. The GUI-thread CPU
// used between two firings is the window's own share: how long one pass of its event loop held it.
Probe probe(int ms, const std::function<bool()>& done) {
  QElapsedTimer clock;
  clock.start();
  qint64 last = 0;
  double lastCpu = 0;
  Probe p;
  QTimer timer;
  timer.setTimerType(Qt::PreciseTimer);
  timer.setInterval(10);
  QObject::connect(&timer, &QTimer::timeout, [&] {
    const qint64 now = clock.elapsed();
    const double cpu = threadCpuMs();
    if (last) {
      p.worstLateMs = std::max(p.worstLateMs, now - last - 10);
      p.worstHeldMs = std::max(p.worstHeldMs, cpu - lastCpu);
    }
    last = now;
    lastCpu = cpu;
  });
  timer.start();
  // A real event loop that sleeps when idle, as the app's does (processEvents(flags, ms) would spin).
  QEventLoop loop;
  QTimer check;
  check.setInterval(50);
  QObject::connect(&check, &QTimer::timeout, [&] {
    if (clock.elapsed() >= ms && (!done || done())) loop.quit();
  });
  check.start();
  loop.exec();
  return p;
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
    // Asserted: the longest the window's own work held its event loop (GUI-thread CPU between two
    // probe firings) stays under 50 ms. On an idle machine that is the lateness the user feels (the
    // children run at nice 15); on a shared one the wall-clock lateness also counts other processes,
    // so it is measured and reported, not asserted. CPU time too is inflated by a busy host (shared
    // caches and cores), so a second attempt is made and the test fails only if both exceed.
    Probe first;
    QVERIFY(measure(&first));
    if (first.worstHeldMs < 50) return;
    Probe second;
    QVERIFY(measure(&second));
    QVERIFY2(second.worstHeldMs < 50, qPrintable(QString("one event-loop pass held the GUI thread %1 ms, then %2 ms")
                                                     .arg(first.worstHeldMs, 0, 'f', 1)
                                                     .arg(second.worstHeldMs, 0, 'f', 1)));
  }

 private:
  // Two training processes per core, each logging a record every step, all shown on the dashboard.
  // Returns false if the setup failed.
  bool measure(Probe* out) {
    const int runs = 2 * std::max(1, QThread::idealThreadCount());
    const double loadBefore = loadAverage().toDouble();
    const Probe idle = probe(1000, nullptr);
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
    const Probe p = probe(0, [&] { return w.runs()->activeCount() == 0 || total.elapsed() > 120000; });
    if (w.runs()->activeCount() != 0) return false;
    for (auto& r : w.runs()->runs())
      if (r->state != "finished") return false;
    w.updater()->forceRedraw();
    if (w.dashboard()->lossChart()->displayedPoints() <= 0 || w.updater()->redraws() < 3) return false;  // charts really redrew
    const double wall = total.elapsed();
    qInfo("during %d busy runs on %d cores (%.1f s): one event-loop pass held the GUI thread %.1f ms CPU at most; "
          "worst lateness %lld ms wall (%lld ms idle before); load average %.1f before, %s after",
          runs, QThread::idealThreadCount(), wall / 1e3, p.worstHeldMs, p.worstLateMs, idle.worstLateMs, loadBefore,
          qPrintable(loadAverage()));
    qInfo("GUI thread: %.0f ms CPU over %d frames (%.1f ms per frame, %.1f%% of one core), costliest redraw step "
          "%.1f ms, last frame %.1f ms, interval now %d ms",
          w.updater()->guiCpuMs(), w.updater()->redraws(), w.updater()->guiCpuMs() / std::max(1, w.updater()->redraws()),
          100.0 * w.updater()->guiCpuMs() / wall, w.updater()->worstStepCpuMs(), w.updater()->lastFrameCpuMs(),
          w.updater()->intervalMs());
    *out = p;
    return true;
  }
};

QTEST_MAIN(TestUiLatency)
#include "test_ui_latency.moc"
