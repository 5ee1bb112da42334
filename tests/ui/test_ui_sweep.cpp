// A sweep directory opened in the window (File > Open on a directory with sweep.json), while its
// local pool is still training: every point's run appears as it starts, named by its axis values, is
// followed to its end with every record on disk, and the compare view folds the seed axis into
// mean ± band. Uses the udlab-cli just built ($UDLAB_CLI) for the sweep.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QtTest>
#include <fstream>

#include "ui/dashboard/live_updater.h"
#include "ui/engine/run_manager.h"
#include "ui/mainwindow.h"
#include "ui/panels/compare_view.h"
#include "window_fixture.h"

using namespace udlab::ui;

namespace {
size_t linesOf(const QString& path) {
  std::ifstream in(path.toStdString());
  size_t n = 0;
  for (std::string line; std::getline(in, line);) n += !line.empty();
  return n;
}
}  // namespace

class TestUiSweep : public udlab::test::WindowTest {
  Q_OBJECT

 private slots:
  void initTestCase() { QVERIFY(prepareSettings()); }

  void openedSweepShowsEveryRunLiveGroupedBySeed() {
    const QString cli = qEnvironmentVariable("UDLAB_CLI");
    QVERIFY2(QFile::exists(cli), "UDLAB_CLI must name the udlab-cli executable");
    const QString dir = tmp_.filePath("sweep");
    QProcess pool;
    pool.start(cli, {"sweep", "--grid", "model=lstm,rnn-tanh", "seed=1,2", "--dataset", "copy", "--hidden", "16",
                     "--embed", "8", "--batch", "4", "--seq-len", "16", "--steps", "300", "--log-every", "10",
                     "--eval-every", "100", "--val-tokens", "512", "--parallel", "1", "--out", dir});
    QVERIFY(pool.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(dir + "/sweep.json"), 30000);

    MainWindow w(settingsPath());
    w.resize(1500, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY2(w.openRunDirectory(dir) >= 0, qPrintable(w.lastMessage()));
    QVERIFY2(w.lastMessage().contains("4 points along model, seed"), qPrintable(w.lastMessage()));
    // The pool runs one at a time: the later points appear when they start.
    QVERIFY(w.runs()->runs().size() < 4);
    QTRY_COMPARE_WITH_TIMEOUT(w.runs()->runs().size(), size_t(4), 120000);
    if (pool.state() != QProcess::NotRunning) QVERIFY(pool.waitForFinished(120000));  // false if it already ended
    QCOMPARE(pool.exitCode(), 0);

    QStringList names;
    for (const auto& r : w.runs()->runs()) names << r->name;
    QCOMPARE(names, QStringList({"sweep: model=lstm seed=1", "sweep: model=lstm seed=2", "sweep: model=rnn-tanh seed=1",
                                 "sweep: model=rnn-tanh seed=2"}));
    // Each followed to its end, with exactly the records its directory holds.
    for (const auto& r : w.runs()->runs()) {
      QTRY_COMPARE_WITH_TIMEOUT(r->state, QString("finished"), 10000);
      QTRY_COMPARE_WITH_TIMEOUT(r->data.records, linesOf(r->dir + "/metrics.jsonl"), 10000);
      QCOMPARE(r->step, 300);
    }
    // Seeds folded: two groups (lstm, rnn-tanh) of two runs each.
    w.tabs()->setCurrentWidget(w.compareView());
    QVERIFY(w.compareView()->groupSeeds());
    w.updater()->forceRedraw();
    QTRY_COMPARE_WITH_TIMEOUT(w.compareView()->groups().size(), size_t(2), 5000);
    for (const auto& g : w.compareView()->groups()) QCOMPARE(g.runs.size(), size_t(2));
    // The runs carry their point labels (train --label), so the group is named by its axes less the seed.
    QCOMPARE(w.compareView()->groups()[0].name, QString("model=lstm"));
    QTest::qWait(300);
    const QString out = QDir::current().filePath("screenshots");
    QDir().mkpath(out);
    QVERIFY(w.grab().save(out + "/sweep-compare.png"));
  }

  void aDirectoryWithABrokenSweepJsonSaysSo() {
    const QString dir = tmp_.filePath("broken");
    QVERIFY(QDir().mkpath(dir));
    QFile f(dir + "/sweep.json");
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\"format\": \"udlab-sweep\"");
    f.close();
    MainWindow w(settingsPath());
    QCOMPARE(w.openRunDirectory(dir), -1);
    QVERIFY2(w.lastMessage().startsWith("cannot open sweep:") && w.lastMessage().contains("sweep.json"),
             qPrintable(w.lastMessage()));
  }
};

QTEST_MAIN(TestUiSweep)
#include "test_ui_sweep.moc"
