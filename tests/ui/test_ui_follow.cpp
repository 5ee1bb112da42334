// Following a run directory that another writer is still filling (udlab-cli train in a terminal):
// opened mid-run, the window picks up appended records and the final status, and a half-written last
// line is taken only once complete.
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QtTest>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/train/run_requests.h"
#include "core/train/trainer.h"
#include "synthetic_run.h"
#include "ui/charts/line_chart.h"
#include "ui/dashboard/dashboard.h"
#include "ui/dashboard/live_updater.h"
#include "core/io/run_reader.h"
#include "ui/engine/run_manager.h"
#include "ui/mainwindow.h"
#include "window_fixture.h"

using namespace udlab;
using namespace udlab::ui;

namespace {
// As the engine writes status.json: a new file renamed over the old one.
void writeStatus(const QString& dir, const std::string& state, int step) {
  const std::string tmp = (dir + "/status.json.tmp").toStdString();
  std::ofstream(tmp) << nlohmann::json{{"state", state}, {"step", step}, {"reason", ""}}.dump();
  std::filesystem::rename(tmp, (dir + "/status.json").toStdString());
}
}  // namespace

class TestUiFollow : public udlab::test::WindowTest {
  Q_OBJECT

 private slots:
  void initTestCase() { QVERIFY(prepareSettings()); }

  void appendedRecordsAndFinalStatusArrive() {
    const QString dir = tmp_.filePath("live");
    QVERIFY(QDir().mkpath(dir));
    udlab::test::writeSyntheticRun(dir.toStdString(), 100, 10, "running");  // records at 10..100
    const std::string half = udlab::test::syntheticRecord(110, 32, 16, false).dump();
    {
      std::ofstream m((dir + "/metrics.jsonl").toStdString(), std::ios::app);
      m << half.substr(0, half.size() / 2);  // the writer is mid-line
    }
    MainWindow w(settingsPath());
    const int id = w.openRunDirectory(dir);
    QVERIFY2(id > 0, qPrintable(w.lastMessage()));
    RunEntry* r = w.runs()->find(id);
    QCOMPARE(r->data.records, size_t(10));
    QCOMPARE(r->state, QString("running"));
    QVERIFY(r->follower != nullptr);
    QCOMPARE(w.runs()->activeCount(), 0);  // not this window's to stop
    // Nothing consumes requests here (no udlab-cli train): a pause is withdrawn with a message.
    QSignalSpy errors(w.runs(), &RunManager::runError);
    w.runs()->pause(id);
    QCOMPARE(QDir(dir + "/requests").entryList({"*.json"}).size(), 1);
    QTRY_VERIFY_WITH_TIMEOUT((w.runs()->sync(), errors.count() == 1), 10000);
    QVERIFY2(errors.at(0).at(1).toString().contains("unanswered"), qPrintable(errors.at(0).at(1).toString()));
    QVERIFY(QDir(dir + "/requests").entryList({"*.json"}).isEmpty());
    QCOMPARE(r->state, QString("running"));
    {
      std::ofstream m((dir + "/metrics.jsonl").toStdString(), std::ios::app);
      m << half.substr(half.size() / 2) << "\n";
      for (int s = 120; s <= 150; s += 10) m << udlab::test::syntheticRecord(s, 32, 16, false).dump() << "\n";
    }
    QTRY_COMPARE_WITH_TIMEOUT((w.runs()->sync(), r->data.records), size_t(15), 5000);
    QCOMPARE(r->data.series("train_loss")->x.back(), 150.0);
    QCOMPARE(r->data.series("train_loss")->x[10], 110.0);  // the half line, once, in order
    // A complete line that is no record (another writer) is skipped, and the window says so.
    {
      std::ofstream m((dir + "/metrics.jsonl").toStdString(), std::ios::app);
      m << "not a record\n" << udlab::test::syntheticRecord(160, 32, 16, false).dump() << "\n";
    }
    QTRY_COMPARE_WITH_TIMEOUT((w.runs()->sync(), r->data.records), size_t(16), 5000);
    QCOMPARE(errors.count(), 2);
    QVERIFY2(errors.at(1).at(1).toString().contains("skipped 1 line"), qPrintable(errors.at(1).at(1).toString()));
    // A resume cuts metrics.jsonl back to its checkpoint and writes on: the history starts over.
    {
      std::ofstream m((dir + "/metrics.jsonl").toStdString(), std::ios::trunc);
      for (int s = 10; s <= 50; s += 10) m << udlab::test::syntheticRecord(s, 32, 16, false).dump() << "\n";
    }
    QTRY_COMPARE_WITH_TIMEOUT((w.runs()->sync(), r->data.records), size_t(5), 5000);
    QCOMPARE(r->data.series("train_loss")->x.back(), 50.0);
    // Cut back again and written past the length already read before the next poll: the old bytes
    // no longer end where the reading stopped, so it still starts over rather than reading mid-line.
    {
      std::ofstream m((dir + "/metrics.jsonl").toStdString(), std::ios::trunc);
      for (int s = 10; s <= 200; s += 10) m << udlab::test::syntheticRecord(s + 1, 32, 16, false).dump() << "\n";
    }
    QTRY_COMPARE_WITH_TIMEOUT((w.runs()->sync(), r->data.records), size_t(20), 5000);
    QCOMPARE(r->data.series("train_loss")->x.front(), 11.0);
    QCOMPARE(r->data.series("train_loss")->x.back(), 201.0);
    writeStatus(dir, "finished", 201);
    QTRY_COMPARE_WITH_TIMEOUT((w.runs()->sync(), r->state), QString("finished"), 5000);
    QVERIFY(r->follower == nullptr);
    QCOMPARE(r->step, 201);
  }

  void followsARealTrainerInAnotherThread() {
    // The core Trainer writing a run directory on its own thread stands in for udlab-cli in a terminal.
    const QString dir = tmp_.filePath("trainer-run");
    RunConfig c = udlab::test::tinyCopyRun("rnn-tanh", 1500);
    std::atomic<bool> done{false};
    std::thread writer([&] {
      Trainer(c, {dir.toStdString()}).run();
      done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(dir + "/status.json") && QFile::exists(dir + "/metrics.jsonl"), 30000);
    MainWindow w(settingsPath());
    w.resize(1400, 900);
    w.show();
    const int id = w.openRunDirectory(dir);
    QVERIFY2(id > 0, qPrintable(w.lastMessage()));
    RunEntry* r = w.runs()->find(id);
    const size_t atOpen = r->data.records;
    const bool openedLive = r->follower != nullptr;
    QTRY_COMPARE_WITH_TIMEOUT(r->state, QString("finished"), 120000);  // the live updater syncs
    writer.join();
    QVERIFY(done);
    // Whatever was appended after opening arrived, exactly once: the mirror equals a fresh read.
    const auto fresh = readRunDirectory(dir.toStdString());
    QCOMPARE(r->data.records, fresh.data.records);
    QCOMPARE(r->data.series("train_loss")->y, fresh.data.series("train_loss")->y);
    QCOMPARE(r->data.snapshots.size(), fresh.data.snapshots.size());
    w.updater()->forceRedraw();
    QVERIFY(w.dashboard()->lossChart()->displayedPoints() > 0);
    qInfo("opened at %zu records (%s), followed to %zu", atOpen, openedLive ? "live" : "already finished",
          r->data.records);
  }

  void steersARunAnotherProcessTrains() {
    // The Trainer plus the request watcher on their own thread are what `udlab-cli train` runs; the
    // window's pause, edit, resume and stop reach it only through files in the run directory.
    const QString dir = tmp_.filePath("steered-run");
    RunConfig c = udlab::test::tinyCopyRun("rnn-tanh", 10000000);
    RunControl ctl;
    RunStatus final;
    std::thread writer([&] {
      Trainer t(c, {dir.toStdString()}, nullptr, &ctl);
      RunRequestWatcher watcher(t.dir_identity(), ctl);
      final = t.run();
    });
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(dir + "/metrics.jsonl"), 30000);
    MainWindow w(settingsPath());
    const int id = w.openRunDirectory(dir);
    QVERIFY2(id > 0, qPrintable(w.lastMessage()));
    RunEntry* r = w.runs()->find(id);
    QCOMPARE(r->state, QString("running"));
    w.runs()->pause(id);
    QTRY_COMPARE_WITH_TIMEOUT(r->state, QString("paused"), 20000);  // the live updater follows status.json
    QCOMPARE(w.runs()->edit(id, {{"lr", 1e-3}}), QString());
    QTRY_VERIFY_WITH_TIMEOUT(!r->data.events.empty(), 20000);  // applied while paused
    QCOMPARE(r->data.events.back().event, std::string("edit"));
    QCOMPARE(r->data.config["lr"].get<double>(), 1e-3);
    QVERIFY(!w.runs()->edit(id, {{"lr", -1.0}}).isEmpty());  // refused here, nothing written
    w.runs()->resume(id);
    QTRY_COMPARE_WITH_TIMEOUT(r->state, QString("running"), 20000);
    w.runs()->stop(id);
    QTRY_COMPARE_WITH_TIMEOUT(r->state, QString("cancelled"), 20000);
    writer.join();
    QCOMPARE(final.state, std::string("cancelled"));
    QVERIFY(r->follower == nullptr);
    QVERIFY(QDir(dir + "/requests").isEmpty());
  }
};

QTEST_MAIN(TestUiFollow)
#include "test_ui_follow.moc"
