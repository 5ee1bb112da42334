// The panels that had no tests: sampling from a real (tiny) checkpoint and from a corrupt one, the
// datasets manager against the shared datasets (UDLAB_DATA_DIR from CTest), and every lesson's runs
// parsing, building and training a few steps; the experiment form's LRU ladder, readout and ListOps rows,
// and group-rnn's rows: recommended settings, udlab's variants (ξ bound, readout token-xi) only where valid.
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QFile>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QStandardItemModel>
#include <QtTest>

#include "window_fixture.h"
#include "core/models/param_count.h"
#include "core/train/run_config.h"
#include "core/train/trainer.h"
#include "ui/engine/run_manager.h"
#include "ui/mainwindow.h"
#include "core/models/lru/lru_ladder.h"
#include "ui/panels/datasets_panel.h"
#include "ui/panels/experiment_panel.h"
#include "ui/panels/lessons.h"
#include "ui/panels/sample_panel.h"

using namespace udlab;
using namespace udlab::ui;

namespace {
QTreeWidgetItem* topItem(QTreeWidget* t, const QString& name) {
  for (int i = 0; i < t->topLevelItemCount(); ++i)
    if (t->topLevelItem(i)->text(0) == name) return t->topLevelItem(i);
  return nullptr;
}
bool write(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}
// For looking at a form: UDLAB_UI_SHOT=dir saves dir/<name>.png.
void shot(QWidget& w, const char* name) {
  if (qEnvironmentVariableIsSet("UDLAB_UI_SHOT"))
    w.grab().save(QDir(qEnvironmentVariable("UDLAB_UI_SHOT")).filePath(QString(name) + ".png"));
}
void expectValid(const RunConfig& c) {
  try {
    validate(c);
  } catch (const std::exception& e) {
    QFAIL(e.what());
  }
}
}  // namespace

class TestUiPanels : public udlab::test::WindowTest {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QVERIFY(prepareSettings());
    QVERIFY2(!qEnvironmentVariableIsEmpty("UDLAB_DATA_DIR"), "run through CTest, or set UDLAB_DATA_DIR");
  }

  void sampleFromTinyCheckpoint() {
    // A character-level LSTM trained for a few steps on Tiny Shakespeare: enough for a checkpoint.
    RunConfig c;
    c.model.model = "lstm";
    c.model.hidden = 16;
    c.model.embed = 8;
    c.train.dataset = "tinyshakespeare";
    c.train.seq_len = 16;
    c.train.batch = 4;
    c.train.steps = 6;
    c.train.warmup = 2;
    c.train.log_every = 2;
    c.train.eval_every = 6;
    c.train.val_tokens = 256;
    c.train.threads = 1;
    const QString dir = tmp_.filePath("sample-run");
    Trainer(c, {dir.toStdString()}).run();
    QVERIFY(QFile::exists(dir + "/checkpoint.safetensors"));

    SamplePanel p;
    p.addRunDirectory(dir);
    p.setSampling("ROMEO:", 40, 0.8, 3);
    QSignalSpy done(&p, &SamplePanel::generated);
    p.generate();
    QVERIFY(done.wait(60000));
    const QString out = p.output();
    QVERIFY2(!out.startsWith("error"), qPrintable(out));
    QVERIFY2(out.startsWith("ROMEO:"), qPrintable(out));
    QCOMPARE(out.size(), qsizetype(6 + 40));  // the prompt, then 40 one-character tokens

    // A corrupt checkpoint: the panel says so instead of crashing.
    const QString bad = tmp_.filePath("corrupt-run");
    QVERIFY(QDir().mkpath(bad));
    QVERIFY(QFile::copy(dir + "/config.json", bad + "/config.json"));
    QVERIFY(write(bad + "/checkpoint.safetensors", QByteArray("\x10\x00\x00\x00\x00\x00\x00\x00{not json", 17)));
    p.addRunDirectory(bad);
    p.generate();
    QVERIFY(done.wait(60000));
    QVERIFY2(p.output().startsWith("error: "), qPrintable(p.output()));
    QVERIFY(p.output().size() > 8);
    qInfo("corrupt checkpoint: %s", qPrintable(p.output()));
  }

  void datasetsListedAndImport() {
    DatasetsPanel p;
    QTreeWidgetItem* ts = topItem(p.tree(), "tinyshakespeare");
    QVERIFY(ts);
    QCOMPARE(ts->text(2), QString("present"));
    QVERIFY(ts->childCount() >= 1);
    QCOMPARE(ts->child(0)->text(0), QString("tinyshakespeare/input.txt"));
    QCOMPARE(ts->child(0)->text(1), QString("1089 KB"));
    QVERIFY(ts->child(0)->toolTip(2).contains("sha256 "));  // after the status text itself
    p.rescan(true);
    ts = topItem(p.tree(), "tinyshakespeare");
    QCOMPARE(ts->text(2), QString("verified ✓"));
    QCOMPARE(ts->child(0)->text(2), QString("verified ✓"));

    QSignalSpy imported(&p, &DatasetsPanel::importedFile), msg(&p, &DatasetsPanel::message);
    QTemporaryDir d;
    const QString text = d.filePath("corpus.txt");
    QVERIFY(write(text, QByteArray("To be, or not to be, that is the question. Ünïcödé is fine. ").repeated(4)));
    p.importFile(text);
    QCOMPARE(imported.count(), 1);
    QCOMPARE(imported.at(0).at(0).toString(), text);
    QCOMPARE(msg.last().at(1).toBool(), false);

    p.importFile(d.filePath("missing.txt"));
    QByteArray binary(4096, '\0');
    for (int i = 0; i < binary.size(); ++i) binary[i] = char((i * 37) & 0xff);
    QVERIFY(write(d.filePath("blob.bin"), binary));
    p.importFile(d.filePath("blob.bin"));
    QCOMPARE(imported.count(), 1);  // neither was offered as a corpus
    QCOMPARE(msg.count(), 3);
    QVERIFY(msg.at(1).at(1).toBool() && msg.at(1).at(0).toString().contains("missing.txt"));
    QVERIFY(msg.at(2).at(1).toBool() && msg.at(2).at(0).toString().contains("not UTF-8 text"));
  }

  void lessonConfigsParseValidateAndBuild() {
    QVERIFY2(lessonSet().errors.empty(), lessonSet().errors.empty() ? "" : lessonSet().errors[0].c_str());
    QVERIFY(lessonSet().lessons.size() >= 6);
    for (auto& l : lessonSet().lessons) {
      QVERIFY(!l.runs.empty());
      QVERIFY(!l.claims.empty());
      QVERIFY(l.view == "dashboard" || l.view == "compare");
      for (auto& [name0, overrides] : l.runs) {
        const QString name = QString::fromStdString(name0);
        RunConfig c;
        try {
          apply_json(c, overrides);
          // The full JSON round trip, as a run directory's config.json is read back.
          c = run_config_from_json(to_json(c));
          validate(c);
          resolve_seq_len(c, c.train.seq_len);
          // Counting constructs the model (tensors declared, none allocated): it fails if it cannot build.
          QVERIFY2(count_params(c.model, 65) > 0, qPrintable(name));
        } catch (const std::exception& e) {
          QFAIL(qPrintable(QString("%1 / %2: %3").arg(QString::fromStdString(l.title), name, e.what())));
        }
      }
    }
  }

  void lessonRunsTrainAFewSteps() {
    MainWindow w(settingsPath());
    w.runs()->setMaxConcurrent(2);
    std::vector<int> ids;
    for (auto& l : lessonSet().lessons)
      for (auto& [name0, overrides] : l.runs) {
        const QString name = QString::fromStdString(name0);
        RunConfig c;
        apply_json(c, overrides);
        c.train.steps = 3;
        c.train.eval_every = 3;
        c.train.log_every = 1;
        c.train.telemetry_every = 3;
        c.train.val_tokens = 256;
        c.train.threads = 1;
        ids.push_back(w.startRun(c, name));
        QVERIFY2(ids.back() > 0, qPrintable(w.lastMessage()));
      }
    QTRY_VERIFY_WITH_TIMEOUT(w.runs()->activeCount() == 0, 300000);
    for (int id : ids) {
      RunEntry* r = w.runs()->find(id);
      QVERIFY(r);
      QVERIFY2(r->state == "finished", qPrintable(r->name + ": " + r->state + " " + r->message));
      QVERIFY2(r->data.series("train_loss") && r->data.series("train_loss")->size() == 3, qPrintable(r->name));
    }
  }

  void applyLessonStartsWithoutError() {
    MainWindow w(settingsPath());
    int asked = 0;
    w.setLessonClearAnswer([&](int) {
      ++asked;
      return int(QMessageBox::No);  // keep the earlier lessons' runs
    });
    const auto& lessons = lessonSet().lessons;
    for (int i = 0; i < int(lessons.size()); ++i) {
      const size_t before = w.runs()->runs().size();
      w.applyLesson(i);
      QVERIFY2(w.lastMessage().startsWith("Lesson: "), qPrintable(w.lastMessage()));
      QCOMPARE(w.runs()->runs().size(), before + lessons[size_t(i)].runs.size());
      QVERIFY(w.lessonPanel()->isVisibleTo(&w));
      QVERIFY2(w.lessonPanel()->text().contains("pending") || w.lessonPanel()->text().contains("held"),
               qPrintable(w.lessonPanel()->text()));
      w.runs()->stopAll();
      QTRY_VERIFY_WITH_TIMEOUT(w.runs()->activeCount() == 0, 120000);
      for (size_t k = before; k < w.runs()->runs().size(); ++k) {
        const RunEntry& r = *w.runs()->runs()[k];
        QVERIFY2(r.state != "failed", qPrintable(r.name + ": " + r.message));
      }
    }
    QCOMPARE(asked, int(lessons.size()) - 1);  // from the second lesson on, runs were loaded
    // Yes clears the finished runs before the next lesson starts.
    w.setLessonClearAnswer([](int) { return int(QMessageBox::Yes); });
    w.applyLesson(0);
    QCOMPARE(w.runs()->runs().size(), lessons[0].runs.size());
    w.runs()->stopAll();
    QTRY_VERIFY_WITH_TIMEOUT(w.runs()->activeCount() == 0, 120000);
    // Every run stopped: the panel gives each claim a verdict (held, not held, or not evaluated).
    QTRY_VERIFY_WITH_TIMEOUT(w.lessonPanel()->finished(), 10000);
    QVERIFY2(!w.lessonPanel()->text().contains("pending"), qPrintable(w.lessonPanel()->text()));
  }

  void ladderReadoutAndListOpsFromTheForm() {
    // Every rung of the LRU ladder can be built from the form: picking it sets the four options as
    // `compare --preset lru-ladder` does, the config validates and its parameters count; editing an
    // option shows the rung it matches or "custom"; readout and ListOps' options round-trip.
    ExperimentPanel p;
    RunConfig base;
    base.model.model = "lru";
    base.model.state = 8;
    base.model.hidden = 8;
    base.train.dataset = "listops";
    base.train.listops_max_depth = 4;
    base.train.listops_max_args = 5;
    base.train.listops_min_len = 20;
    base.train.listops_max_len = 60;
    p.setConfig(base);
    auto* rung = p.findChild<QComboBox*>("lruRung");
    auto* param = p.findChild<QComboBox*>("lruParam");
    auto* radius = p.findChild<QDoubleSpinBox*>("glorotRadius");
    QVERIFY(rung && param && radius && p.findChild<QComboBox*>("recurrence") && p.findChild<QCheckBox*>("lruGamma"));
    QCOMPARE(rung->currentText(), QString(lru_ladder().back().label));  // the defaults are the LRU
    QVERIFY(p.findChild<QWidget*>("listopsOptions")->isVisibleTo(&p));
    radius->setValue(0.95);
    for (size_t i = 0; i < lru_ladder().size(); ++i) {
      rung->setCurrentIndex(int(i) + 1);
      RunConfig c = p.config();
      ModelConfig want = lru_ladder()[i].apply(c.model);
      QCOMPARE(c.model.recurrence, want.recurrence);
      QCOMPARE(c.model.lru_param, std::string(lru_ladder()[i].param));
      QCOMPARE(c.model.lru_init, std::string(lru_ladder()[i].init));
      QCOMPARE(c.model.lru_gamma, lru_ladder()[i].gamma);
      QCOMPARE(c.model.glorot_radius, 0.95);
      expectValid(c);
      QVERIFY2(p.paramCount() > 0, lru_ladder()[i].label);
    }
    param->setCurrentText("exp");  // stable-exp → exp with ring and γ: not a rung
    QCOMPARE(rung->currentText(), QString("custom"));
    param->setCurrentText("stable-exp");
    QCOMPARE(rung->currentText(), QString(lru_ladder().back().label));
    p.findChild<QComboBox*>("readout")->setCurrentText("last");
    p.findChild<QSpinBox*>("listopsMaxLen")->setValue(80);
    shot(p, "ladder");
    RunConfig c = p.config();
    QCOMPARE(c.model.readout, std::string("last"));
    QCOMPARE(c.train.listops_max_len, 80);
    QCOMPARE(c.train.listops_max_depth, 4);
    QCOMPARE(c.train.listops_min_len, 20);
    ExperimentPanel q;
    q.setConfig(c);
    QCOMPARE(q.config().model.readout, std::string("last"));
    QCOMPARE(q.config().model.glorot_radius, 0.95);
    QCOMPARE(q.config().train.listops_max_len, 80);
    c.train.dataset = "copy";
    q.setConfig(c);
    QVERIFY(!q.findChild<QWidget*>("listopsOptions")->isVisibleTo(&q));
  }

  void groupRnnRowsFromTheForm() {
    // --xi-bound and --readout token-xi (udlab's variants): form → config → validate → parameter count,
    // a round trip, and each refused (hidden, greyed out, or reset) where the engine would refuse it.
    ExperimentPanel p;
    RunConfig base;
    base.model.model = "group-rnn";
    base.model.d = 4;
    base.model.embed = 8;
    base.train.dataset = "tinyshakespeare";
    base.train.device = "cpu";
    p.setConfig(base);
    auto* bound = p.findChild<QDoubleSpinBox*>("xiBound");
    auto* readout = p.findChild<QComboBox*>("readout");
    auto* recommend = p.findChild<QPushButton*>("groupRecommended");
    QVERIFY(bound && readout && recommend);
    auto tokenXiEnabled = [&] {
      auto* items = qobject_cast<QStandardItemModel*>(readout->model());
      return items->item(readout->findData("token-xi"))->isEnabled();
    };
    QVERIFY(bound->isVisibleTo(&p) && bound->isEnabled() && tokenXiEnabled());
    QCOMPARE(p.config().model.xi_bound, 0.0);  // off: the paper's model
    const size_t plain = p.paramCount();
    bound->setValue(bound->maximum());
    readout->setCurrentIndex(readout->findData("token-xi"));
    QCOMPARE(readout->currentText(), QString("token-xi (udlab variant)"));
    RunConfig c = p.config();
    QCOMPARE(c.model.readout, std::string("token-xi"));
    QVERIFY(c.model.xi_bound > 3.1415 && c.model.xi_bound <= M_PI);
    expectValid(c);
    QCOMPARE(p.paramCount(), count_params(c.model, 65));
    QVERIFY(p.paramCount() > plain);  // the head reads [vec h, vec ξ]: twice as wide
    shot(p, "group-variants");
    ExperimentPanel q;
    q.setConfig(c);
    QCOMPARE(q.config().model.xi_bound, c.model.xi_bound);
    QCOMPARE(q.config().model.readout, std::string("token-xi"));

    // listops labels whole sequences: token-xi is greyed out and falls back to auto; the bound stays.
    c.train.dataset = "listops";
    p.setConfig(c);
    QVERIFY(!tokenXiEnabled());
    QCOMPARE(p.config().model.readout, std::string("auto"));
    QCOMPARE(p.config().model.xi_bound, c.model.xi_bound);
    expectValid(p.config());
    // CUDA refuses the bound: the box is disabled and the config carries 0.
    c.train.dataset = "tinyshakespeare";
    c.train.device = "cuda";
    p.setConfig(c);
    QVERIFY(!bound->isEnabled() && bound->toolTip().startsWith("Not on CUDA"));
    QCOMPARE(p.config().model.xi_bound, 0.0);
    QCOMPARE(p.config().model.readout, std::string("token-xi"));
    // Other models: no rows, no bound, no token-xi.
    c.train.device = "cpu";
    c.model.model = "orth-rnn";
    p.setConfig(c);
    QVERIFY(!bound->isVisibleTo(&p) && !recommend->isVisibleTo(&p) && !tokenXiEnabled());
    QCOMPARE(p.config().model.xi_bound, 0.0);
    QCOMPARE(p.config().model.readout, std::string("auto"));
    expectValid(p.config());

    // The recommended training settings (docs/results-defaults.md): at O(12) the measured O(12), embedding
    // 14 (12,639 parameters), io factor 10; the ξ bound and token-xi go off.
    c = base;
    c.model.d = 12;
    c.model.xi_bound = 1.5;
    c.model.readout = "token-xi";
    c.model.io_lr_factor = 3;
    p.setConfig(c);
    QCOMPARE(p.config().model.io_lr_factor, 3.0);  // the form keeps it (a control, not a dropped key)
    QSignalSpy msg(&p, &ExperimentPanel::message);
    recommend->click();
    c = p.config();
    QCOMPARE(c.model.embed, 14);
    QCOMPARE(c.model.d, 12);
    QCOMPARE(c.model.xi_bound, 0.0);
    QCOMPARE(c.model.readout, std::string("auto"));
    QCOMPARE(c.train.lr, 5e-3);
    QCOMPARE(c.model.io_lr_factor, 10.0);
    QCOMPARE(c.train.clip, 0.5);
    QCOMPARE(p.paramCount(), size_t(12639));
    QCOMPARE(msg.count(), 1);
    expectValid(c);
  }
};

QTEST_MAIN(TestUiPanels)
#include "test_ui_panels.moc"
