// The run path: every run is a udlab-cli child writing its directory, which the window follows and
// steers through requests/. Pause/step/resume/stop, the run queue, a kill -9 that leaves the window
// and the other runs alone, resuming from the last checkpoint, and a missing udlab-cli. (The event
// loop's responsiveness is test_ui_latency; the record-to-chart latency is test_ui_process.)
#include <QDir>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>
#include <csignal>

#include "core/io/run_dir.h"
#include "core/train/run_config.h"
#include "ui/engine/run_manager.h"
#include "ui/engine/run_process.h"
#include "window_fixture.h"

using namespace udlab;
using namespace udlab::ui;

class TestUiEngine : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  int made_ = 0;

  QString newDir() {
    const QString d = tmp_.filePath(QString("run%1").arg(++made_));
    QDir().mkpath(d);
    return d;
  }
  int add(RunManager& m, int steps, int threads = 1) {
    RunConfig c = udlab::test::tinyCopyRun("rnn-tanh", steps);
    c.train.threads = threads;
    return m.addRun(QString("r%1").arg(made_ + 1), to_json(c), newDir(), steps);
  }
  // Runs the event loop and the window's poll until pred holds.
  static bool until(RunManager& m, const std::function<bool()>& pred, int ms) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
      m.sync();
      if (pred()) return true;
      QTest::qWait(20);
    }
    return pred();
  }

 private slots:
  void pauseStepResumeStopThroughRequests() {
    RunManager m;
    const int id = add(m, 100000);
    RunEntry* r = m.find(id);
    QCOMPARE(r->state, QString("running"));
    QVERIFY(r->process != nullptr);
    QVERIFY(until(m, [&] { return r->step >= 10; }, 30000));
    m.pause(id);
    QVERIFY(until(m, [&] { return r->state == "paused"; }, 10000));
    const int at = r->data.status_step;
    m.step(id);
    QVERIFY(until(m, [&] { return r->data.status_step == at + 1; }, 10000));
    QCOMPARE(r->state, QString("paused"));
    m.resume(id);
    QVERIFY(until(m, [&] { return r->state == "running"; }, 10000));
    m.stop(id);
    QVERIFY(until(m, [&] { return r->state == "cancelled" && !r->process; }, 20000));
    QCOMPARE(m.activeCount(), 0);
    QVERIFY(m.canRestart(id));  // one click resumes it from its checkpoint
  }

  void killedRunFailsAloneAndResumes() {
    RunManager m;
    const int a = add(m, 100000), b = add(m, 100000);
    RunEntry *ra = m.find(a), *rb = m.find(b);
    // Past a checkpoint (tinyCopyRun checkpoints every 20 steps).
    QVERIFY(until(m, [&] { return ra->step >= 45 && rb->step >= 5; }, 60000));
    QSignalSpy errors(&m, &RunManager::runError);
    ::kill(pid_t(ra->process->pid()), SIGKILL);
    QVERIFY(until(m, [&] { return ra->state == "failed"; }, 20000));
    QCOMPARE(ra->message, QString("exited with signal 9 (killed; out of memory?)"));
    QVERIFY(errors.count() >= 1);
    // On disk too, for a reopened window and udlab-cli status.
    const auto st = read_json_file((ra->dir + "/status.json").toStdString());
    QCOMPARE(QString::fromStdString(st["state"].get<std::string>()), QString("failed"));
    QVERIFY(QString::fromStdString(st["reason"].get<std::string>()).contains("signal 9"));
    // The other run trains on.
    const int bStep = rb->step;
    QVERIFY(until(m, [&] { return rb->step > bStep + 10; }, 30000));
    QCOMPARE(rb->state, QString("running"));
    // One click: it resumes from its last checkpoint, and its history continues from there.
    QVERIFY(m.canRestart(a));
    const int killedAt = ra->step;
    m.resume(a);
    QVERIFY(until(m, [&] { return ra->process && ra->step > killedAt + 20; }, 60000));
    const auto* loss = ra->data.series("train_loss");
    QVERIFY(loss && loss->x.front() == 2.0);  // the whole history, not a fresh run
    m.stop(a);
    m.stop(b);
    QVERIFY(until(m, [&] { return m.activeCount() == 0; }, 30000));
    QCOMPARE(ra->state, QString("cancelled"));
    QCOMPARE(rb->state, QString("cancelled"));
  }

  void autoQueueFillsTheCoresByThreads() {
    // The default (maxConcurrent 0): runs start while their threads fit the cores; one always runs.
    const int cores = std::max(1, QThread::idealThreadCount());
    RunManager m;
    QCOMPARE(m.maxConcurrent(), 0);
    std::vector<int> single;
    for (int i = 0; i < cores + 1; ++i) single.push_back(add(m, 100000, 1));
    for (int i = 0; i < cores; ++i) QCOMPARE(m.find(single[i])->state, QString("running"));
    QCOMPARE(m.find(single[cores])->state, QString("queued"));
    const int all = add(m, 100000, 0);
    QCOMPARE(m.find(all)->state, QString("queued"));
    QCOMPARE(m.threadsOf(*m.find(all)), cores);
    for (int i = 0; i < cores; ++i) m.stop(single[i]);
    QVERIFY(until(m, [&] { return m.find(single[cores])->state == "running"; }, 30000));
    QCOMPARE(m.find(all)->state, QString("queued"));
    m.stop(single[cores]);
    QVERIFY(until(m, [&] { return m.find(all)->process != nullptr; }, 30000));
    m.stop(all);
    QVERIFY(until(m, [&] { return m.activeCount() == 0; }, 30000));
  }

  void queueRunsAtMostN() {
    RunManager m;
    m.setMaxConcurrent(2);
    const int a = add(m, 30), b = add(m, 30), c = add(m, 30);
    QCOMPARE(m.find(a)->state, QString("running"));
    QCOMPARE(m.find(b)->state, QString("running"));
    QCOMPARE(m.find(c)->state, QString("queued"));
    QVERIFY(m.find(a)->color != m.find(b)->color);
    QVERIFY(until(m, [&] { return m.find(c)->state == "finished" && m.activeCount() == 0; }, 60000));
    QCOMPARE(m.find(c)->data.series("train_loss")->size(), size_t(15));  // log_every 2
    QCOMPARE(m.activeCount(), 0);
  }

  void queuedEditReachesTheChild() {
    // An edit made while queued is a request the child applies before its first step.
    RunManager m;
    m.setMaxConcurrent(1);
    const int a = add(m, 100000), b = add(m, 40);
    QCOMPARE(m.find(b)->state, QString("queued"));
    QCOMPARE(m.edit(b, {{"lr", 0.001}}), QString());
    m.stop(a);
    QVERIFY(until(m, [&] { return m.find(b)->state == "finished"; }, 60000));
    bool edited = false;
    for (auto& e : m.find(b)->data.events) edited = edited || (e.event == "edit" && e.step == 0);
    QVERIFY(edited);
    QCOMPARE(m.find(b)->data.config["lr"].get<double>(), 0.001);
  }

  void missingCliIsAClearFailure() {
    const QByteArray cli = qgetenv("UDLAB_CLI");
    qputenv("UDLAB_CLI", "/no/such/udlab-cli");
    RunManager m;
    QSignalSpy errors(&m, &RunManager::runError);
    const int id = add(m, 10);
    QCOMPARE(m.find(id)->state, QString("failed"));
    QVERIFY2(m.find(id)->message.contains("UDLAB_CLI"), qPrintable(m.find(id)->message));
    QCOMPARE(errors.count(), 1);
    qputenv("UDLAB_CLI", cli);
    QCOMPARE(describeExit(QProcess::NormalExit, 3, "note\nudlab-cli train: bad thing\n"),
             QString("exited with code 3: udlab-cli train: bad thing"));
  }
};

QTEST_MAIN(TestUiEngine)
#include "test_ui_engine.moc"
