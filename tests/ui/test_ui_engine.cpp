// The background engine seam: controller signals, pause/resume/stop and the run queue. (The event
// loop's responsiveness while runs stream records is test_ui_latency.)
#include <QSignalSpy>
#include <QThread>
#include <QTimer>
#include <QtTest>

#include "core/util/error.h"
#include "synthetic_run.h"
#include "ui/engine/run_manager.h"
#include "ui/engine/training_controller.h"

using namespace udlab::ui;

class TestUiEngine : public QObject {
  Q_OBJECT
 private slots:
  void controllerStartsPausesResumesStops() {
    TrainingController c(udlab::test::syntheticJob(100000, 1));
    QSignalSpy started(&c, &TrainingController::started), progress(&c, &TrainingController::progress),
        paused(&c, &TrainingController::paused), resumed(&c, &TrainingController::resumed),
        finished(&c, &TrainingController::finished);
    c.start();
    QVERIFY(started.wait(5000));
    QCOMPARE(started.at(0).at(0).toLongLong(), 1234LL);
    QTRY_VERIFY_WITH_TIMEOUT(progress.count() >= 2, 5000);
    c.pause();
    QCOMPARE(paused.count(), 1);
    QTest::qWait(100);  // let the step in flight finish
    const uint64_t v = c.buffer()->version();
    QTest::qWait(200);
    QCOMPARE(c.buffer()->version(), v);  // nothing arrives while paused
    c.resume();
    QCOMPARE(resumed.count(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(c.buffer()->version() > v, 5000);
    c.stop();
    QVERIFY(finished.wait(5000));
    QCOMPARE(finished.at(0).at(0).toString(), QString("cancelled"));
    QVERIFY(!c.active());
  }
  void jobErrorsBecomeMessages() {
    TrainingController c([](udlab::TrainObserver&, udlab::RunControl&) -> udlab::RunStatus {
      throw udlab::Error("dataset 'nope' not found");
    });
    QSignalSpy err(&c, &TrainingController::error), fin(&c, &TrainingController::finished);
    c.start();
    QVERIFY(fin.wait(5000));
    QCOMPARE(err.count(), 1);
    QCOMPARE(err.at(0).at(0).toString(), QString("dataset 'nope' not found"));
    QCOMPARE(fin.at(0).at(0).toString(), QString("failed"));
  }
  void destroyingAPausedRunJoinsCleanly() {
    auto* c = new TrainingController(udlab::test::syntheticJob(100000, 1));
    QSignalSpy started(c, &TrainingController::started);
    c->start();
    QVERIFY(started.wait(5000));
    c->pause();
    QTest::qWait(20);
    delete c;  // must cancel, wake the paused loop and join, not hang
  }
  void autoQueueFillsTheCoresByThreads() {
    // The default (maxConcurrent 0): runs start while their threads fit the cores; one always runs.
    const int cores = std::max(1, QThread::idealThreadCount());
    RunManager m;
    QCOMPARE(m.maxConcurrent(), 0);
    std::vector<int> single, all;
    for (int i = 0; i < cores + 1; ++i)
      single.push_back(m.addRun("one", udlab::test::syntheticJob(100000, 1), {{"threads", 1}}, "", 100000));
    for (int i = 0; i < cores; ++i) QCOMPARE(m.find(single[i])->state, QString("running"));
    QCOMPARE(m.find(single[cores])->state, QString("queued"));
    all.push_back(m.addRun("all", udlab::test::syntheticJob(100000, 1), {{"threads", 0}}, "", 100000));
    QCOMPARE(m.find(all[0])->state, QString("queued"));
    QCOMPARE(m.threadsOf(*m.find(all[0])), cores);
    // Stopping the single-thread runs frees the cores: the queued one-thread run starts first, in order,
    // and the all-cores run waits until it is alone.
    for (int i = 0; i < cores; ++i) m.stop(single[i]);
    QTRY_COMPARE_WITH_TIMEOUT(m.find(single[cores])->state, QString("running"), 10000);
    QCOMPARE(m.find(all[0])->state, QString("queued"));
    m.stop(single[cores]);
    QTRY_COMPARE_WITH_TIMEOUT(m.find(all[0])->state, QString("running"), 10000);
    m.stop(all[0]);
    QTRY_COMPARE_WITH_TIMEOUT(m.activeCount(), 0, 10000);
  }
  void queueRunsAtMostN() {
    RunManager m;
    m.setMaxConcurrent(2);
    int a = m.addRun("a", udlab::test::syntheticJob(30, 2), {}, "", 30);
    int b = m.addRun("b", udlab::test::syntheticJob(30, 2), {}, "", 30);
    int c = m.addRun("c", udlab::test::syntheticJob(30, 2), {}, "", 30);
    QCOMPARE(m.find(a)->state, QString("running"));
    QCOMPARE(m.find(b)->state, QString("running"));
    QCOMPARE(m.find(c)->state, QString("queued"));
    QVERIFY(m.find(a)->color != m.find(b)->color);
    QTRY_COMPARE_WITH_TIMEOUT(m.find(c)->state, QString("finished"), 10000);
    m.sync();
    QCOMPARE(m.find(c)->data.series("train_loss")->size(), size_t(30));
    QCOMPARE(m.activeCount(), 0);
  }
};

QTEST_MAIN(TestUiEngine)
#include "test_ui_engine.moc"
