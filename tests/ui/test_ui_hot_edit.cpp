// Hot edits from the GUI on the real engine: an lr change reaches the trainer between steps, shows in
// the logged lr and as a mark on the loss and gradient charts; invalid edits are refused with a message
// and change nothing; the dialog only sends what was changed and refuses what is not a valid value.
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "window_fixture.h"
#include "core/train/lr_schedule.h"
#include "core/train/run_config.h"
#include "ui/charts/line_chart.h"
#include "ui/dashboard/dashboard.h"
#include "ui/engine/run_manager.h"
#include "ui/mainwindow.h"
#include "ui/panels/hot_edit_dialog.h"
#include "ui/panels/runs_panel.h"

using namespace udlab;
using namespace udlab::ui;

namespace {
QPushButton* editButton(RunsPanel* p) {
  for (auto* b : p->findChildren<QPushButton*>())
    if (b->text() == QString("Edit…")) return b;
  return nullptr;
}
}  // namespace

class TestUiHotEdit : public udlab::test::WindowTest {
  Q_OBJECT

 private slots:
  void initTestCase() { QVERIFY(prepareSettings()); }

  void editChangesTheLrFromTheNextStepAndIsMarked() {
    MainWindow w(settingsPath());
    w.show();
    const RunConfig cfg = udlab::test::tinyCopyRun("rnn-tanh", 100000);
    const int id = w.startRun(cfg, "tanh");
    QVERIFY2(id > 0, qPrintable(w.lastMessage()));
    RunEntry* r = w.runs()->find(id);
    QTRY_VERIFY_WITH_TIMEOUT((w.runs()->sync(), r->data.records >= 2), 60000);
    QPushButton* button = editButton(w.runsPanel());
    QVERIFY(button);
    w.runsPanel()->select(id);
    QVERIFY(button->isEnabled());

    // Refused edits: a message (also to the window) and nothing changes.
    QSignalSpy errors(w.runs(), &RunManager::runError);
    QString e = w.runs()->edit(id, {{"lr", -1}});
    QVERIFY2(e.contains("lr"), qPrintable(e));
    e = w.runs()->edit(id, {{"steps", 5}});
    QVERIFY2(e.contains("steps"), qPrintable(e));
    QCOMPARE(errors.count(), 2);
    QVERIFY(w.lastMessage().contains("steps"));
    QVERIFY(!w.runs()->edit(id + 100, {{"lr", 1e-3}}).isEmpty());
    QCOMPARE(r->data.config["lr"].get<double>(), 3e-3);

    QCOMPARE(w.runs()->edit(id, {{"lr", 1e-3}}), QString());
    QTRY_VERIFY_WITH_TIMEOUT((w.runs()->sync(), !r->data.events.empty()), 30000);
    QCOMPARE(r->data.config["lr"].get<double>(), 1e-3);  // once the engine confirmed it
    QCOMPARE(r->data.events.size(), size_t(1));  // the refused edits never reached the engine
    const RunEvent ev = r->data.events[0];
    QCOMPARE(ev.event, std::string("edit"));
    QCOMPARE(ev.reason, std::string("lr 0.003 -> 0.001"));
    // Records after the edit step follow the schedule at the new peak, those before at the old one.
    QTRY_VERIFY_WITH_TIMEOUT((w.runs()->sync(), r->data.series("lr")->x.back() >= ev.step + 6), 30000);
    RunConfig edited = cfg;
    edited.train.lr = 1e-3;
    const Series& lr = *r->data.series("lr");
    int before = 0, after = 0;
    for (size_t i = 0; i < lr.size(); ++i) {
      const int step = int(lr.x[i]);
      const TrainConfig& t = step > ev.step ? edited.train : cfg.train;
      QCOMPARE(lr.y[i], learning_rate(t, step - 1));
      ++(step > ev.step ? after : before);
    }
    QVERIFY(before > 0 && after >= 3);
    // config.json in the run directory says what is in effect.
    QFile f(r->dir + "/config.json");
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(nlohmann::json::parse(f.readAll().toStdString())["lr"].get<double>(), 1e-3);
    // The edit is a mark on the loss and gradient charts once they redraw.
    QTRY_VERIFY_WITH_TIMEOUT(w.dashboard()->lossChart()->markCount() == 1 && w.dashboard()->gradChart()->markCount() == 1, 10000);

    w.runs()->stop(id);
    QTRY_COMPARE_WITH_TIMEOUT(r->state, QString("cancelled"), 20000);
    QVERIFY(!button->isEnabled());
    QVERIFY(w.runs()->edit(id, {{"lr", 2e-3}}).contains("cancelled"));
    QCOMPARE(r->data.config["lr"].get<double>(), 1e-3);
  }

  void aQueuedRunStartsWithItsEdit() {
    MainWindow w(settingsPath());
    w.runs()->setMaxConcurrent(1);
    const RunConfig cfg = udlab::test::tinyCopyRun("rnn-tanh", 100000);
    const int first = w.startRun(cfg, "first"), second = w.startRun(cfg, "second");
    QVERIFY(first > 0 && second > 0);
    RunEntry* q = w.runs()->find(second);
    QCOMPARE(q->state, QString("queued"));
    QCOMPARE(w.runs()->edit(second, {{"lr", 1e-3}}), QString());
    w.runs()->stop(first);
    QTRY_VERIFY_WITH_TIMEOUT((w.runs()->sync(), q->data.records >= 4), 60000);
    // Applied before step 1: logged at step 0, and every lr logged follows the new peak.
    QCOMPARE(q->data.events.size(), size_t(1));
    QCOMPARE(q->data.events[0].event, std::string("edit"));
    QCOMPARE(q->data.events[0].step, 0);
    RunConfig edited = cfg;
    edited.train.lr = 1e-3;
    const Series& lr = *q->data.series("lr");
    for (size_t i = 0; i < lr.size(); ++i) QCOMPARE(lr.y[i], learning_rate(edited.train, int(lr.x[i]) - 1));
    w.runs()->stop(second);
    QTRY_COMPARE_WITH_TIMEOUT(q->state, QString("cancelled"), 20000);
  }

  void dialogSendsOnlyValidChangedFields() {
    const nlohmann::json config = {{"lr", 3e-3}, {"clip", 0.0}, {"weight_decay", 0.0}, {"min_lr_frac", 0.1}};
    HotEditDialog dlg("tanh", config);
    QCOMPARE(dlg.field("lr")->text(), QString("0.003"));
    QCOMPARE(dlg.field("min_lr_frac")->text(), QString("0.1"));
    dlg.field("lr")->setText("abc");
    dlg.tryAccept();
    QVERIFY2(dlg.error().contains("lr"), qPrintable(dlg.error()));
    QCOMPARE(dlg.result(), int(QDialog::Rejected));
    dlg.field("lr")->setText("1e-3");
    dlg.field("clip")->setText("-1");
    dlg.tryAccept();
    QVERIFY2(dlg.error().contains("clip"), qPrintable(dlg.error()));
    QCOMPARE(dlg.result(), int(QDialog::Rejected));
    dlg.field("clip")->setText("0");
    dlg.tryAccept();
    QCOMPARE(dlg.result(), int(QDialog::Accepted));
    QCOMPARE(dlg.changes(), nlohmann::json({{"lr", 1e-3}}));
  }

  void marksSkipOutsideTheRangeAndFollowLogAxes() {
    LineChart c;
    c.resize(400, 300);
    Curve cv;
    cv.id = cv.label = "loss";
    cv.color = Qt::blue;
    cv.x = {1, 2, 3, 4};
    cv.y = {1, 0.5, 0.25, 0.125};
    c.setCurves({cv});
    c.setMarks({{2.5, "step 2: lr 0.003 → 0.001", Qt::red}, {40, "outside", Qt::red}});
    c.refresh();
    QCOMPARE(c.markCount(), 1);
    c.setLogY(true);
    c.refresh();
    QCOMPARE(c.markCount(), 1);
    c.setMarks({});
    c.refresh();
    QCOMPARE(c.markCount(), 0);
    c.setMarks({{2.5, "a", Qt::red}});
    c.setCurves({});
    c.refresh();
    QCOMPARE(c.markCount(), 0);  // no data, no marks on placeholder axes
  }
};

QTEST_MAIN(TestUiHotEdit)
#include "test_ui_hot_edit.moc"
