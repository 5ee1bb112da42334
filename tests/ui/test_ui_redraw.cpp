// The redraw contract (issue 10): every chart shows exactly the data held for its runs — after the
// run finishes (its final records included), after a tab switch, after a run is removed (gone from
// every view) — and the eigenvalue scrubber follows "live" again for a run added after a scrub. Also a
// run's label edited in the window (run_info.json, legends, tables), the compare view's x axes, and the
// form's small promises (wheel, fields that do not apply, failure reasons, Esc on a long run).
#include <QFile>
#include <QSpinBox>
#include <QTabWidget>
#include <QTreeWidget>
#include <QWheelEvent>
#include <unistd.h>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "core/io/run_liveness.h"
#include "synthetic_run.h"
#include "ui/charts/line_chart.h"
#include "ui/dashboard/dashboard.h"
#include "core/io/run_reader.h"
#include "ui/engine/run_manager.h"
#include "ui/mainwindow.h"
#include "ui/panels/compare_view.h"
#include "ui/panels/experiment_panel.h"
#include "ui/panels/runs_panel.h"
#include "ui/plot/figure.h"
#include "window_fixture.h"

using namespace udlab;
using namespace udlab::ui;

namespace {
// The largest x of the chart's curves for one run's training loss (-1 when it has none).
double lastTrainX(const LineChart* c, int runId) {
  for (auto& k : c->curves())
    if (k.id == QString("%1/train").arg(runId) && !k.x.empty()) return k.x.back();
  return -1;
}
bool chartHasRun(const LineChart* c, int runId) {
  for (auto& k : c->curves())
    if (k.id.startsWith(QString("%1/").arg(runId))) return true;
  return false;
}
}  // namespace

class TestUiRedraw : public udlab::test::WindowTest {
  Q_OBJECT

 private slots:
  void initTestCase() { QVERIFY(prepareSettings()); }

  void finishedRunShowsItsLastStepEverywhere() {
    MainWindow w(settingsPath());
    w.resize(1500, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    // A run that finishes within about a second, logging every 2 steps: the case that showed only step 10.
    RunConfig c = udlab::test::tinyCopyRun("rnn-tanh", 300);
    c.train.log_every = 3;  // 300 is a multiple: the last record is at step 300
    const int id = w.startRun(c, "fast");
    QVERIFY2(id > 0, qPrintable(w.lastMessage()));
    QTRY_VERIFY_WITH_TIMEOUT(w.runs()->activeCount() == 0, 120000);
    RunEntry* r = w.runs()->find(id);
    QVERIFY(r && r->state == "finished");
    const Series* loss = r->data.series("train_loss");
    QVERIFY(loss && loss->size() > 0);
    const double last = loss->x.back();
    QCOMPARE(last, 300.0);
    // The dashboard's loss chart holds the run up to its last logged step, with no further event.
    QTRY_COMPARE_WITH_TIMEOUT(lastTrainX(w.dashboard()->lossChart(), id), last, 5000);
    // Switching tabs redraws the view shown: the compare overlay holds the same range.
    w.tabs()->setCurrentWidget(w.compareView());
    QTRY_COMPARE_WITH_TIMEOUT(lastTrainX(w.compareView()->overlay(), id), last, 5000);
    w.tabs()->setCurrentWidget(w.dashboard());
    QTRY_COMPARE_WITH_TIMEOUT(lastTrainX(w.dashboard()->lossChart(), id), last, 5000);

    // A second run, then remove the first: it is gone from every view, the other stays.
    RunConfig c2 = c;
    c2.train.lr = 2e-3;  // another config, so the compare view never folds the two into one seed group
    const int id2 = w.startRun(c2, "second");
    QTRY_VERIFY_WITH_TIMEOUT(w.runs()->activeCount() == 0, 120000);
    QTRY_COMPARE_WITH_TIMEOUT(lastTrainX(w.dashboard()->lossChart(), id2), 300.0, 5000);
    w.runs()->remove(id);
    QTRY_VERIFY_WITH_TIMEOUT(!chartHasRun(w.dashboard()->lossChart(), id), 5000);
    for (auto* ch : {w.dashboard()->gradChart(), w.dashboard()->stateNormChart(), w.dashboard()->stateGradChart()})
      QVERIFY2(!chartHasRun(ch, id), qPrintable(ch->title()));
    QCOMPARE(lastTrainX(w.dashboard()->lossChart(), id2), 300.0);
    w.tabs()->setCurrentWidget(w.compareView());
    QTRY_VERIFY_WITH_TIMEOUT(!chartHasRun(w.compareView()->overlay(), id) && chartHasRun(w.compareView()->overlay(), id2), 5000);
  }

  void labelEditedInTheWindowAndCompareAxes() {
    QTemporaryDir a;
    const std::string dir = a.path().toStdString();
    udlab::test::writeSyntheticRun(dir, 500, 10);
    std::ofstream(dir + "/run_info.json") << nlohmann::json{{"params", 4321}}.dump();
    MainWindow w(settingsPath());
    w.resize(1500, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    const int id = w.openRunDirectory(a.path());
    QVERIFY(id > 0);
    auto info = [&] { return nlohmann::json::parse(std::ifstream(dir + "/run_info.json")); };
    // A label with a newline is refused with a clear message, and nothing changes.
    QString err = w.runsPanel()->relabel(id, "two\nlines");
    QVERIFY2(err.contains("one line"), qPrintable(err));
    QVERIFY(!info().contains("label"));
    QCOMPARE(w.runsPanel()->relabel(id, "  LRU, ring init "), QString());
    QCOMPARE(info().value("label", ""), std::string("LRU, ring init"));
    QCOMPARE(info().value("params", 0), 4321);  // the rest of run_info.json is kept
    // Tables and legends use it at once; reopened, the run still carries it.
    w.tabs()->setCurrentWidget(w.compareView());
    QTRY_VERIFY_WITH_TIMEOUT(w.compareView()->summaries().size() == 1 && w.compareView()->summaries()[0].name == "LRU, ring init", 5000);
    QCOMPARE(runLabel(readRunDirectory(dir).data, "dir"), QString("LRU, ring init"));

    // The x axis: tokens seen and wall time come from the run's own records at each step.
    LineChart* ov = w.compareView()->overlay();
    w.compareView()->setXAxis(XAxis::Tokens);
    QCOMPARE(lastTrainX(ov, id), 500.0 * 1024);
    QCOMPARE(ov->curves().front().x.front(), 10.0 * 1024);
    w.compareView()->setXAxis(XAxis::WallTime);
    QVERIFY(std::abs(lastTrainX(ov, id) - 5.0) < 1e-9);
    // Parameters: one marker per run at (params, final validation loss).
    w.compareView()->setXAxis(XAxis::Params);
    QCOMPARE(ov->curves().size(), size_t(1));
    const Curve& pt = ov->curves().front();
    QVERIFY(pt.markers && pt.x == std::vector<double>{4321.0});
    QCOMPARE(pt.y.front(), readRunDirectory(dir).data.series("val_loss")->y.back());
    // The view's export draws the same through the figure renderer.
    FigureRequest req;
    w.compareView()->fillFigureRequest(&req);
    QVERIFY(req.xAxis == XAxis::Params);
  }

  void formAndFeedback() {
    MainWindow w(settingsPath());
    w.resize(1500, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    // The wheel over a field that is not focused leaves its value alone (it scrolls the form instead).
    QSpinBox* hidden = nullptr;
    for (auto* sb : w.experiment()->findChildren<QSpinBox*>())
      if (sb->toolTip().startsWith("Hidden width")) hidden = sb;
    QVERIFY(hidden);
    RunConfig c = udlab::test::tinyCopyRun("lstm", 10);
    w.experiment()->setConfig(c);
    QVERIFY(hidden->isEnabled());
    const int before = hidden->value();
    QWheelEvent wheel(QPointF(5, 5), hidden->mapToGlobal(QPointF(5, 5)), QPoint(), QPoint(0, -120), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(hidden, &wheel);
    QCOMPARE(hidden->value(), before);
    // Hidden has no effect on a group model: disabled, with the reason in its tooltip.
    c.model.model = "group-rnn";
    w.experiment()->setConfig(c);
    QVERIFY(!hidden->isEnabled());

    // A failed run's reason stays in the runs list (not only in the passing banner).
    QTemporaryDir failed, running;
    udlab::test::writeSyntheticRun(failed.path().toStdString(), 100, 10, "failed");
    std::ofstream(failed.path().toStdString() + "/status.json")
        << nlohmann::json{{"state", "failed"}, {"step", 100}, {"reason", "exited with signal 9 (killed; out of memory?)"}}.dump();
    const int fid = w.openRunDirectory(failed.path());
    QVERIFY(fid > 0);
    auto* tree = w.runsPanel()->findChild<QTreeWidget*>();
    QTreeWidgetItem* row = nullptr;
    for (int i = 0; i < tree->topLevelItemCount(); ++i)
      if (tree->topLevelItem(i)->data(0, Qt::UserRole).toInt() == fid) row = tree->topLevelItem(i);
    QVERIFY(row);
    QVERIFY2(row->text(1).contains("signal 9"), qPrintable(row->text(1)));

    // Esc on a run that has trained over a minute asks first; "no" leaves it training.
    const std::string rd = running.path().toStdString();
    {
      std::ofstream(rd + "/config.json") << nlohmann::json{{"model", "lstm"}, {"steps", 1000}}.dump();
      std::ofstream m(rd + "/metrics.jsonl");
      for (int s = 10; s <= 100; s += 10) {
        auto r = udlab::test::syntheticRecord(s, 32, 16, false);
        r["wall_time"] = s * 0.9;  // 90 s by step 100
        m << r.dump() << "\n";
      }
      std::ofstream(rd + "/status.json") << nlohmann::json{{"state", "running"}, {"step", 100}, {"pid", long(::getpid())},
                                                           {"host", udlab::this_host()}, {"heartbeat", udlab::unix_now()}}.dump();
    }
    const int rid = w.openRunDirectory(running.path());
    QVERIFY(rid > 0);
    QCOMPARE(w.runs()->find(rid)->state, QString("running"));
    double askedAt = -1;
    w.setStopConfirmation([&](const QString&, double seconds) {
      askedAt = seconds;
      return false;
    });
    w.runsPanel()->select(rid);
    w.stopSelected();  // what Esc (Run → Stop selected run) calls
    QVERIFY2(askedAt > 60, qPrintable(QString::number(askedAt)));
    QVERIFY(!QDir(running.filePath("requests")).exists() || QDir(running.filePath("requests")).isEmpty());
  }

  void scrubberFollowsLiveForNewRuns() {
    QTemporaryDir a, b;
    udlab::test::writeSyntheticRun(a.path().toStdString(), 500, 10);
    udlab::test::writeSyntheticRun(b.path().toStdString(), 500, 10);
    auto la = readRunDirectory(a.path().toStdString()), lb = readRunDirectory(b.path().toStdString());
    Dashboard d;
    d.resize(1200, 700);
    d.setRuns({{1, "a", runColor(0), &la.data}});
    d.setEigenStep(0);  // scrub back to the first logged step
    QVERIFY(!d.followsLive());
    d.setRuns({{1, "a", runColor(0), &la.data}, {2, "b", runColor(1), &lb.data}});
    QVERIFY(d.followsLive());
    QVERIFY2(d.eigenChart()->title().endsWith("step 500"), qPrintable(d.eigenChart()->title()));
  }
};

QTEST_MAIN(TestUiRedraw)
#include "test_ui_redraw.moc"
