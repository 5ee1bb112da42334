// The whole window, offscreen, on the real engine: it builds, a short run on the synthetic copy task
// streams into every chart and obeys pause/resume/stop, bad input produces a message and no crash,
// closing with active runs asks. Also saves screenshots for the README and lectures.
#include <QDir>
#include <QElapsedTimer>
#include <ctime>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "core/io/run_dir.h"
#include "core/models/model_registry.h"
#include "core/train/run_config.h"
#include "synthetic_run.h"
#include "window_fixture.h"
#include "ui/charts/chart_export.h"
#include "ui/charts/complex_plane_chart.h"
#include "ui/charts/line_chart.h"
#include "ui/dashboard/dashboard.h"
#include "ui/dashboard/live_updater.h"
#include "core/io/run_reader.h"
#include "ui/engine/run_manager.h"
#include "ui/mainwindow.h"
#include "ui/panels/compare_view.h"
#include "ui/panels/experiment_panel.h"
#include "ui/panels/runs_panel.h"

using namespace udlab;
using namespace udlab::ui;

using udlab::test::tinyCopyRun;

class TestUiApp : public udlab::test::WindowTest {
  Q_OBJECT

 private slots:
  void initTestCase() { QVERIFY(prepareSettings()); }

  void windowBuilds() {
    MainWindow w(settingsPath());
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QCOMPARE(w.tabs()->count(), 4);
    QVERIFY(!ModelRegistry::instance().names().empty());
  }

  void shortRunStreamsPausesResumesStops() {
    MainWindow w(settingsPath());
    w.resize(1500, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    Dashboard* d = w.dashboard();
    QSignalSpy loss(d->lossChart(), &LineChart::redrawn), grad(d->gradChart(), &LineChart::redrawn),
        hn(d->stateNormChart(), &LineChart::redrawn), hg(d->stateGradChart(), &LineChart::redrawn),
        eig(d->eigenChart(), &ComplexPlaneChart::redrawn);
    const int id = w.startRun(tinyCopyRun("rnn-tanh", 100000), "tanh");
    QVERIFY2(id > 0, qPrintable(w.lastMessage()));
    RunEntry* r = w.runs()->find(id);
    // Every chart receives points from the live run.
    QTRY_VERIFY_WITH_TIMEOUT(d->lossChart()->displayedPoints() > 0 && d->gradChart()->displayedPoints() > 0 &&
                                 d->stateNormChart()->displayedPoints() > 0 && d->stateGradChart()->displayedPoints() > 0 &&
                                 d->eigenChart()->displayedPoints() > 0,
                             60000);
    for (auto* s : {&loss, &grad, &hn, &hg, &eig}) QVERIFY(s->count() > 0);
    QCOMPARE(r->state, QString("running"));
    w.runs()->pause(id);
    QTRY_COMPARE_WITH_TIMEOUT(r->data.state, std::string("paused"), 20000);  // the engine confirmed
    w.runs()->sync();
    const size_t n = r->data.records;
    QTest::qWait(500);
    w.runs()->sync();
    QCOMPARE(r->data.records, n);
    // Step: exactly one optimiser step, and the run stays paused.
    const int before = r->data.status_step;
    w.runs()->step(id);
    QTRY_COMPARE_WITH_TIMEOUT((w.runs()->sync(), r->data.status_step), before + 1, 20000);
    QCOMPARE(r->data.state, std::string("paused"));
    QCOMPARE(r->state, QString("paused"));
    w.runs()->resume(id);
    QTRY_VERIFY_WITH_TIMEOUT((w.runs()->sync(), r->data.records > n), 20000);
    w.runs()->stop(id);
    QTRY_COMPARE_WITH_TIMEOUT(r->state, QString("cancelled"), 20000);
    // The cancelled run left a valid run directory that the reader (and udlab-cli) can open.
    auto loaded = readRunDirectory(r->dir.toStdString());
    QCOMPARE(loaded.data.state, std::string("cancelled"));
    QVERIFY(loaded.data.series("train_loss")->size() > 0);
    QVERIFY(QFileInfo::exists(r->dir + "/checkpoint.safetensors"));
    qInfo("GUI thread spent %.1f ms CPU on %d redraws (interval now %d ms)", w.updater()->guiCpuMs(),
          w.updater()->redraws(), w.updater()->intervalMs());
  }

  void badInputGivesMessagesNotCrashes() {
    MainWindow w(settingsPath());
    w.show();
    QTemporaryDir bad;
    {
      QFile f(bad.filePath("config.json"));
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write("{ this is not json");
    }
    QCOMPARE(w.openRunDirectory(bad.path()), -1);
    QVERIFY2(w.lastMessage().contains("config.json"), qPrintable(w.lastMessage()));
    QCOMPARE(w.openRunDirectory("/definitely/not/here"), -1);
    QVERIFY(w.lastMessage().contains("not a directory"));
    // A missing dataset: the engine's error reaches the window, the run ends "failed".
    RunConfig c = tinyCopyRun("rnn-tanh", 10);
    c.train.dataset = "no-such-dataset-xyz";
    const int id = w.startRun(c, "missing data");
    QVERIFY(id > 0);
    QTRY_COMPARE_WITH_TIMEOUT(w.runs()->find(id)->state, QString("failed"), 20000);
    QVERIFY2(w.lastMessage().contains("no-such-dataset-xyz"), qPrintable(w.lastMessage()));
    // An invalid config never starts.
    c = tinyCopyRun("rnn-tanh", 10);
    c.model.r_min = 0.99;
    c.model.r_max = 0.5;
    QCOMPARE(w.startRun(c, "bad"), -1);
    QVERIFY(w.lastMessage().contains("r_min"));
    // A size far too large for memory is refused by the engine's pre-check, not by a crash.
    c = tinyCopyRun("rnn-tanh", 10);
    c.model.hidden = 16384;
    c.model.layers = 64;
    c.train.batch = 65536;
    const int big = w.startRun(c, "huge");
    QVERIFY(big > 0);
    QTRY_COMPARE_WITH_TIMEOUT(w.runs()->find(big)->state, QString("failed"), 60000);
    qInfo("huge run message: %s", qPrintable(w.runs()->find(big)->message));
  }

  void closingWithActiveRunsAsks() {
    auto* w = new MainWindow(settingsPath());
    w->show();
    const int id = w->startRun(tinyCopyRun("rnn-tanh", 100000), "long");
    QVERIFY(id > 0);
    int asked = 0;
    w->setCloseConfirmation([&](int n) {
      ++asked;
      return MainWindow::CloseChoice::Cancel;
    });
    QVERIFY(!w->close());
    QCOMPARE(asked, 1);
    QVERIFY(w->isVisible());
    w->setCloseConfirmation([&](int) { return MainWindow::CloseChoice::Stop; });
    const QString dir = w->runs()->find(id)->dir;
    QVERIFY(w->close());
    delete w;
    // The child got the stop request: it checkpoints and ends "cancelled" on its own.
    QTRY_VERIFY_WITH_TIMEOUT(QFile(dir + "/status.json").open(QIODevice::ReadOnly) &&
                                 udlab::read_json_file((dir + "/status.json").toStdString()).value("state", "") == "cancelled",
                             30000);
  }

  void settingsPersist() {
    {
      MainWindow w(settingsPath());
      RunConfig c = tinyCopyRun("lstm", 123);
      w.experiment()->setConfig(c);  // the form's content is what persists
      w.startRun(c, "persist");
      w.runs()->stopAll();
      w.setCloseConfirmation([](int) { return MainWindow::CloseChoice::Stop; });
      w.close();
    }
    QSettings s(settingsPath(), QSettings::IniFormat);
    QVERIFY(s.value("experiment/config").toString().contains("\"steps\":123"));
    QVERIFY(!s.value("runs/recent").toStringList().isEmpty());
  }

  void recomputeFieldRoundTrips() {
    // group-rnn's recompute chunk (issue 15): shown in the form, kept a multiple of 16, and only sent
    // for group-rnn (the config refuses it for other models).
    MainWindow w(settingsPath());
    RunConfig c = tinyCopyRun("group-rnn", 10);
    c.model.recompute_chunk = 16;
    w.experiment()->setConfig(c);
    QCOMPARE(w.experiment()->config().model.recompute_chunk, 16);
    QSpinBox* box = nullptr;
    for (auto* s : w.experiment()->findChildren<QSpinBox*>())
      if (s->specialValueText() == "off") box = s;
    QVERIFY(box);
    box->setValue(20);
    QCOMPARE(w.experiment()->config().model.recompute_chunk, 32);
    c.model.model = "lstm";
    w.experiment()->setConfig(c);
    QCOMPARE(w.experiment()->config().model.recompute_chunk, 0);
    validate(w.experiment()->config());
  }

  void plottingCost() {
    // The plotting cost against training (4000 steps, so startup is not what is measured): the GUI thread's CPU time (sync, curves, decimation,
    // replace() and painting) over the whole process's CPU time while one run trains with a record
    // every step (the worst case for the charts). Reported, not asserted: the ratio is what the issue
    // asks to be measured, and timing assertions do not belong in unit tests.
    MainWindow w(settingsPath());
    w.resize(1500, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    RunConfig c = tinyCopyRun("lstm", 4000);
    c.model.hidden = 128;
    c.train.log_every = 1;
    c.train.telemetry_every = 10;
    c.train.threads = 2;
    auto cpu = [](int who) {
      timespec ts{};
      clock_gettime(who, &ts);
      return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
    };
    const double g0 = cpu(CLOCK_THREAD_CPUTIME_ID), p0 = cpu(CLOCK_PROCESS_CPUTIME_ID);
    QElapsedTimer wall;
    wall.start();
    const int id = w.startRun(c, "cost");
    QVERIFY(id > 0);
    QTRY_VERIFY_WITH_TIMEOUT(w.runs()->activeCount() == 0, 300000);
    const double gui = cpu(CLOCK_THREAD_CPUTIME_ID) - g0, all = cpu(CLOCK_PROCESS_CPUTIME_ID) - p0;
    auto* r = w.runs()->find(id);
    QCOMPARE(r->state, QString("finished"));
    const auto* tps = r->data.series("tokens_per_s");
    double mean = 0;
    for (double v : tps->y) mean += v / double(tps->size());
    qInfo("plotting cost: GUI thread %.0f ms CPU of %.0f ms process CPU (%.2f%%) over %lld ms wall; %d redraws, "
          "%zu records, mean %.0f tokens/s",
          gui, all, 100.0 * gui / all, wall.elapsed(), w.updater()->redraws(), r->data.records, mean);
  }

  void screenshots() {
    // Three real runs (rnn-tanh, lstm, lru) on the copy task; then the dashboard, the compare view and
    // the eigenvalue plot are saved for the README and for inspection.
    MainWindow w(settingsPath());
    w.resize(1700, 1000);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.runs()->setMaxConcurrent(3);
    std::vector<int> ids;
    for (auto m : {"rnn-tanh", "lstm", "lru"}) {
      RunConfig c = tinyCopyRun(m, 240);
      c.train.log_every = 4;
      c.train.telemetry_every = 8;
      w.experiment()->setConfig(c);
      ids.push_back(w.startRun(c, QString::fromUtf8(m)));
      QVERIFY(ids.back() > 0);
    }
    QTRY_VERIFY_WITH_TIMEOUT(w.runs()->activeCount() == 0, 280000);
    w.updater()->forceRedraw();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);  // as exportWidget does: titles apply at layout
    const QString out = QDir::current().filePath("screenshots");
    QDir().mkpath(out);
    QVERIFY(w.grab().save(out + "/window.png"));
    ExportOptions o;
    o.pngScale = 1.5;
    QString err = exportWidget(w.dashboard()->chartsArea(), out + "/dashboard.png", o);
    QVERIFY2(err.isEmpty(), qPrintable(err));
    QVERIFY(exportWidget(w.dashboard()->eigenChart(), out + "/eigenvalues.png", o).isEmpty());
    w.tabs()->setCurrentWidget(w.compareView());
    w.updater()->forceRedraw();
    QTest::qWait(200);
    w.updater()->forceRedraw();
    QVERIFY(w.compareView()->summaries().size() == 3);
    // The small multiples share the width equally (the third was once squeezed into a sliver).
    const auto smalls = w.compareView()->multiplesArea()->findChildren<LineChart*>(Qt::FindDirectChildrenOnly);
    QCOMPARE(smalls.size(), 3);
    for (auto* c : smalls)
      QVERIFY2(std::abs(c->width() - smalls[0]->width()) <= smalls[0]->width() / 10,
               qPrintable(QString("widths %1 and %2").arg(c->width()).arg(smalls[0]->width())));
    QVERIFY(w.grab().save(out + "/compare.png"));
    // The summary scatter against parameters, and the Datasets tab (its Status column whole).
    w.compareView()->setXAxis(XAxis::Params);
    QVERIFY(w.grab().save(out + "/compare-params.png"));
    w.compareView()->setXAxis(XAxis::Step);
    w.tabs()->setCurrentIndex(w.tabs()->count() - 1);
    QTest::qWait(200);
    QVERIFY(w.grab().save(out + "/datasets.png"));
    QVERIFY(w.compareView()->exportTable(out + "/summary.md").isEmpty());
    qInfo("screenshots in %s", qPrintable(out));
  }
};

QTEST_MAIN(TestUiApp)
#include "test_ui_app.moc"
