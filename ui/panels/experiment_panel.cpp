#include "ui/panels/experiment_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QVBoxLayout>
#include <cmath>

#include "core/backend/backend.h"
#include "core/data/catalog.h"
#include "core/data/data_dirs.h"
#include "core/data/dataset.h"
#include "core/groups/group.h"
#include "core/models/model_registry.h"
#include "core/models/param_count.h"
#include "core/util/error.h"
#include "ui/datasets/file_check.h"
#include "ui/panels/combo_text.h"
#include "ui/panels/group_rnn_rows.h"
#include "ui/panels/lru_ladder_rows.h"

namespace udlab::ui {

namespace {
// A wheel turned while the pointer crosses the form (scrolling it) must not change the field under the
// pointer: fields take the wheel only once focused (clicked or tabbed into); otherwise the event goes
// on to the scroll area.
class WheelGuard : public QObject {
 public:
  using QObject::QObject;
  bool eventFilter(QObject* o, QEvent* e) override {
    if (e->type() == QEvent::Wheel) {
      auto* w = qobject_cast<QWidget*>(o);
      if (w && !w->hasFocus()) {
        e->ignore();
        return true;
      }
    }
    return false;
  }
};

QSpinBox* spin(int lo, int hi, const QString& tip) {
  auto* s = new QSpinBox;
  s->setRange(lo, hi);
  s->setToolTip(tip);
  s->setAccelerated(true);
  return s;
}
QDoubleSpinBox* dspin(double lo, double hi, int decimals, double step, const QString& tip) {
  auto* s = new QDoubleSpinBox;
  s->setRange(lo, hi);
  s->setDecimals(decimals);
  s->setSingleStep(step);
  s->setToolTip(tip);
  return s;
}
QString human(size_t n) {
  if (n >= 1000000) return QString::number(n / 1e6, 'f', 2) + " M";
  if (n >= 1000) return QString::number(n / 1e3, 'f', 1) + " k";
  return QString::number(n);
}
}  // namespace

ExperimentPanel::ExperimentPanel(QWidget* parent) : QWidget(parent) {
  auto* lay = new QVBoxLayout(this);

  auto* modelBox = new QGroupBox("Model");
  auto* mf = new QFormLayout(modelBox);
  model_ = new QComboBox;
  // Whatever the engine registered: a new model appears here with no GUI code.
  for (auto& n : ModelRegistry::instance().names()) {
    model_->addItem(QString::fromStdString(n));
    model_->setItemData(model_->count() - 1, QString::fromStdString(ModelRegistry::instance().get(n).description), Qt::ToolTipRole);
  }
  model_->setToolTip("The architecture: the recurrence (or attention) that carries information along the sequence.");
  modelInfo_ = new QLabel;
  modelInfo_->setWordWrap(true);
  modelInfo_->setStyleSheet("color: palette(mid);");
  layers_ = spin(1, 64, "Stacked layers: each feeds its outputs to the next.");
  embed_ = spin(1, 8192, "Width of the token embedding (for group models: the input size m).");
  hidden_ = spin(1, 16384, "Hidden width H: the size of the recurrent state (LSTM, tanh RNN, LRU output, transformer).");
  heads_ = spin(1, 64, "Attention heads: parallel attention patterns, each of width H / heads.");
  mf->addRow("Family", model_);
  mf->addRow(modelInfo_);
  mf->addRow("Layers", layers_);
  mf->addRow("Embedding", embed_);
  mf->addRow("Hidden", hidden_);
  mf->addRow("Heads", heads_);
  readout_ = new QComboBox;
  for (const char* r : {"auto", "token", "mean", "last"}) readout_->addItem(r, r);  // data: the config value
  readout_->setToolTip("What the output layer reads: every position (token: language modelling), or one vector per "
                       "sequence for datasets that label whole sequences (listops): the mean or the last state. auto "
                       "picks token or mean from the dataset. token-xi: udlab's group-rnn variant (its own tooltip).");
  readout_->setObjectName("readout");
  mf->addRow("Readout", readout_);
  lay->addWidget(modelBox);

  groupBox_ = new QGroupBox("Subgroup of U(d)");
  auto* gf = new QFormLayout(groupBox_);
  group_ = new QComboBox;
  for (auto& g : group_names()) {
    QString name = QString::fromStdString(g.name);
    if (name.endsWith(":b")) name = name.left(name.size() - 2) + ":2";  // a concrete block size to start from
    group_->addItem(name);
    group_->setItemData(group_->count() - 1, QString::fromStdString(g.description), Qt::ToolTipRole);
  }
  group_->setEditable(true);  // blockdiag:b takes any b dividing d
  group_->setToolTip("The group the hidden state lives in: its norm is preserved exactly, so gradients neither vanish nor explode through the recurrence.");
  groupInfo_ = new QLabel;
  groupInfo_->setWordWrap(true);
  d_ = spin(1, 4096, "d: the state is a d×d matrix in the group (complex groups use 2d×2d real storage).");
  mixing_ = new QCheckBox("linear mixing");
  mixing_->setToolTip("Mix the group state linearly before the readout, so the output is not limited to one row of the state.");
  gf->addRow("Group", group_);
  gf->addRow(groupInfo_);
  gf->addRow("d", d_);
  gf->addRow(mixing_);
  recompute_ = spin(0, 1 << 20, "group-rnn only: keep the state every K steps and recompute the steps between them in the "
                                "backward pass (gradient checkpointing). Activation memory falls from O(T) to O(K + T/K) "
                                "matrices per sequence for about one extra forward pass; gradients are bit-identical. "
                                "K is rounded up to a multiple of 16.");
  recompute_->setSingleStep(16);
  recompute_->setSpecialValueText("off");
  gf->addRow("Recompute every", recompute_);
  groupRnn_ = std::make_unique<GroupRnnRows>(gf, readout_);
  lay->addWidget(groupBox_);

  lruBox_ = new QGroupBox("LRU recurrence and eigenvalues");
  auto* lf = new QFormLayout(lruBox_);
  state_ = spin(1, 65536, "N complex channels of the diagonal linear recurrence.");
  rmin_ = dspin(0, 0.9999, 4, 0.01, "Smallest |λ| at initialisation: how fast the shortest memory fades.");
  rmax_ = dspin(0, 0.99999, 5, 0.001, "Largest |λ| at initialisation: close to 1 gives very long memory.");
  maxPhase_ = dspin(0.01, 6.2832, 3, 0.1, "Largest eigenvalue phase at initialisation (2π = the full circle): the oscillation frequencies available.");
  lf->addRow("State N", state_);
  lf->addRow("r_min", rmin_);
  lf->addRow("r_max", rmax_);
  lf->addRow("max phase", maxPhase_);
  ladder_ = std::make_unique<LruLadderRows>(lf);
  lay->addWidget(lruBox_);

  auto* dataBox = new QGroupBox("Data");
  auto* df = new QFormLayout(dataBox);
  dataset_ = new QComboBox;
  for (auto& ds : dataset_catalog()) {
    dataset_->addItem(QString::fromStdString(ds.name));
    dataset_->setItemData(dataset_->count() - 1, QString::fromStdString(ds.description), Qt::ToolTipRole);
  }
  dataset_->addItem("copy");
  dataset_->setItemData(dataset_->count() - 1, "Synthetic: reproduce a sequence of symbols after a long blank delay (tests long memory).", Qt::ToolTipRole);
  dataset_->addItem("listops");
  dataset_->setItemData(dataset_->count() - 1, "Synthetic: LRA's ListOps, nested MAX/MIN/MED/SM expressions over digits, one label (0-9) per sequence.", Qt::ToolTipRole);
  dataset_->addItem("recall");
  dataset_->setItemData(dataset_->count() - 1, "Synthetic: key–value associative recall.", Qt::ToolTipRole);
  dataset_->setEditable(true);  // or a path to any UTF-8 text file
  dataset_->setToolTip("The training text (a named corpus or a path to a UTF-8 file) or a synthetic task.");
  datasetStatus_ = new QLabel;
  datasetStatus_->setWordWrap(true);
  df->addRow("Dataset", dataset_);
  df->addRow(datasetStatus_);
  listopsBox_ = new QWidget;
  auto* lo = new QFormLayout(listopsBox_);
  lo->setContentsMargins(0, 0, 0, 0);
  listopsDepth_ = spin(1, 64, "ListOps: deepest nesting of operators (LRA: 10).");
  listopsArgs_ = spin(2, 64, "ListOps: most arguments of one operator (LRA: 10).");
  listopsMinLen_ = spin(0, 1 << 20, "ListOps: expressions have more tokens than this (LRA: 500).");
  listopsMaxLen_ = spin(2, (1 << 20) + 1, "ListOps: expressions have fewer tokens than this (LRA: 2000); sequences are padded to it.");
  listopsBox_->setObjectName("listopsOptions");
  listopsMaxLen_->setObjectName("listopsMaxLen");
  lo->addRow("Max depth", listopsDepth_);
  lo->addRow("Max arguments", listopsArgs_);
  lo->addRow("Min length", listopsMinLen_);
  lo->addRow("Max length", listopsMaxLen_);
  df->addRow(listopsBox_);
  lay->addWidget(dataBox);

  auto* trainBox = new QGroupBox("Training");
  auto* tf = new QFormLayout(trainBox);
  batch_ = spin(1, 65536, "Sequences per optimiser step.");
  seqLen_ = spin(1, 1 << 20, "Tokens per training window: how far back gradients flow (truncated BPTT).");
  steps_ = spin(0, 100000000, "Optimiser steps to train for.");
  lr_ = dspin(1e-6, 10, 6, 1e-4, "Peak learning rate of AdamW.");
  schedule_ = new QComboBox;
  schedule_->addItems({"cosine", "constant"});
  schedule_->setToolTip("cosine: linear warmup then cosine decay to a floor; constant: warmup then flat.");
  warmup_ = spin(0, 1000000, "Steps of linear learning-rate warmup.");
  clip_ = dspin(0, 1000, 3, 0.1, "Clip the global gradient norm to this value (0 = off): the classic fix for exploding gradients.");
  seed_ = spin(0, 2147483647, "Random seed: the same seed, config and thread count give a bit-identical run.");
  threads_ = spin(0, 1024, "CPU threads for this run (0 = all cores). Several runs at once share the cores.");
  logEvery_ = spin(1, 100000, "Write a metrics record every this many steps.");
  evalEvery_ = spin(0, 1000000, "Evaluate on the validation split every this many steps (0 = only at the end).");
  device_ = new QComboBox;
  device_->setToolTip("Where the run computes.");
  for (auto& n : BackendRegistry::instance().names()) {
    const BackendInfo* bi = BackendRegistry::instance().find(n);
    std::string why;
    const bool ok = bi && bi->available && bi->available(&why);
    device_->addItem(QString::fromStdString(n).toUpper(), QString::fromStdString(n));
    if (!ok) {
      // Greyed out with the reason, rather than hidden: users should know why CUDA is absent.
      auto* m = qobject_cast<QStandardItemModel*>(device_->model());
      m->item(device_->count() - 1)->setEnabled(false);
      device_->setItemData(device_->count() - 1, QString::fromStdString(why.empty() ? "not available" : why), Qt::ToolTipRole);
    }
  }
  if (device_->findData("cuda") < 0) {
    device_->addItem("CUDA", "cuda");
    auto* m = qobject_cast<QStandardItemModel*>(device_->model());
    m->item(device_->count() - 1)->setEnabled(false);
    device_->setItemData(device_->count() - 1, "This build of udlab has no CUDA backend (built without nvcc).", Qt::ToolTipRole);
  }
  tf->addRow("Batch", batch_);
  tf->addRow("Sequence length", seqLen_);
  tf->addRow("Steps", steps_);
  tf->addRow("Learning rate", lr_);
  tf->addRow("Schedule", schedule_);
  tf->addRow("Warmup", warmup_);
  tf->addRow("Clip", clip_);
  tf->addRow("Seed", seed_);
  tf->addRow("Threads", threads_);
  tf->addRow("Log every", logEvery_);
  tf->addRow("Eval every", evalEvery_);
  tf->addRow("Device", device_);
  lay->addWidget(trainBox);

  auto* pBox = new QGroupBox("Parameters");
  auto* pl = new QVBoxLayout(pBox);
  paramsLabel_ = new QLabel;
  paramsLabel_->setToolTip("Trainable parameters of this configuration, counted without allocating anything.");
  QFont pf = paramsLabel_->font();
  pf.setBold(true);
  pf.setPointSize(pf.pointSize() + 2);
  paramsLabel_->setFont(pf);
  auto* mrow = new QHBoxLayout;
  matchTarget_ = spin(1, 2000000000, "Target parameter count for a fair comparison between architectures.");
  matchTarget_->setValue(100000);
  matchBtn_ = new QPushButton("Match");
  matchBtn_->setToolTip("Set the model's width (hidden or d) so that it has about this many parameters (±2%).");
  mrow->addWidget(new QLabel("Match to"));
  mrow->addWidget(matchTarget_, 1);
  mrow->addWidget(matchBtn_);
  pl->addWidget(paramsLabel_);
  pl->addLayout(mrow);
  lay->addWidget(pBox);
  lay->addStretch();

  setConfig(RunConfig{});
  auto changed = [this] {
    if (loading_) return;
    updateVisibility();
    updateGroupInfo();
    updateParamCount();
    emit configChanged();
  };
  auto* guard = new WheelGuard(this);
  for (auto* w : findChildren<QAbstractSpinBox*>()) {
    w->setFocusPolicy(Qt::StrongFocus);
    w->installEventFilter(guard);
  }
  for (auto* w : findChildren<QComboBox*>()) {
    w->setFocusPolicy(Qt::StrongFocus);
    w->installEventFilter(guard);
  }
  for (auto* s : findChildren<QSpinBox*>())
    if (s != matchTarget_) connect(s, &QSpinBox::valueChanged, this, changed);
  for (auto* s : findChildren<QDoubleSpinBox*>()) connect(s, &QDoubleSpinBox::valueChanged, this, changed);
  for (auto* c : findChildren<QComboBox*>()) connect(c, &QComboBox::currentTextChanged, this, changed);
  connect(mixing_, &QCheckBox::toggled, this, changed);
  connect(dataset_, &QComboBox::currentTextChanged, this, [this] { updateDatasetStatus(); });
  connect(matchBtn_, &QPushButton::clicked, this, [this] { matchParams(); });
  connect(groupRnn_->recommendButton(), &QPushButton::clicked, this, [this] {
    RunConfig c = config();
    GroupRnnRows::applyRecommended(c);
    setConfig(c);
    emit message(QString("group-rnn: recommended training settings applied (lr 5e-3, clip 0.5, embedding and head "
                         "at 10× lr, embedding %1)").arg(c.model.embed));
  });
}

ExperimentPanel::~ExperimentPanel() = default;

RunConfig ExperimentPanel::config() const {
  RunConfig c;
  auto& m = c.model;
  auto& t = c.train;
  m.model = model_->currentText().toStdString();
  m.layers = layers_->value();
  m.embed = embed_->value();
  m.hidden = hidden_->value();
  m.heads = heads_->value();
  m.group = group_->currentText().trimmed().toStdString();
  m.d = d_->value();
  m.mixing = mixing_->isChecked();
  if (m.model == "group-rnn") m.recompute_chunk = (recompute_->value() + 15) / 16 * 16;
  m.state = state_->value();
  m.r_min = rmin_->value();
  m.r_max = rmax_->value();
  m.max_phase = maxPhase_->value();
  ladder_->read(m);
  m.readout = readout_->currentData().toString().toStdString();
  t.dataset = dataset_->currentText().trimmed().toStdString();
  t.listops_max_depth = listopsDepth_->value();
  t.listops_max_args = listopsArgs_->value();
  t.listops_min_len = listopsMinLen_->value();
  t.listops_max_len = listopsMaxLen_->value();
  t.batch = batch_->value();
  t.seq_len = seqLen_->value();
  t.steps = steps_->value();
  t.lr = lr_->value();
  t.schedule = schedule_->currentText().toStdString();
  t.warmup = warmup_->value();
  t.clip = clip_->value();
  t.seed = uint64_t(seed_->value());
  t.threads = threads_->value();
  t.log_every = logEvery_->value();
  t.eval_every = evalEvery_->value();
  t.device = device_->currentData().toString().toStdString();
  groupRnn_->read(c);
  return c;
}

void ExperimentPanel::setConfig(const RunConfig& c) {
  loading_ = true;
  auto& m = c.model;
  auto& t = c.train;
  setComboText(model_, m.model);
  layers_->setValue(m.layers);
  embed_->setValue(m.embed);
  hidden_->setValue(m.hidden);
  heads_->setValue(m.heads);
  setComboText(group_, m.group);
  d_->setValue(m.d);
  mixing_->setChecked(m.mixing);
  recompute_->setValue(m.recompute_chunk);
  state_->setValue(m.state);
  rmin_->setValue(m.r_min);
  rmax_->setValue(m.r_max);
  maxPhase_->setValue(m.max_phase);
  ladder_->write(m);
  groupRnn_->write(m);
  if (int i = readout_->findData(QString::fromStdString(m.readout)); i >= 0) readout_->setCurrentIndex(i);
  setComboText(dataset_, t.dataset);
  listopsDepth_->setValue(t.listops_max_depth);
  listopsArgs_->setValue(t.listops_max_args);
  listopsMinLen_->setValue(t.listops_min_len);
  listopsMaxLen_->setValue(t.listops_max_len);
  batch_->setValue(t.batch);
  seqLen_->setValue(t.seq_len);
  steps_->setValue(t.steps);
  lr_->setValue(t.lr);
  setComboText(schedule_, t.schedule);
  warmup_->setValue(t.warmup);
  clip_->setValue(t.clip);
  seed_->setValue(int(std::min<uint64_t>(t.seed, 2147483647)));
  threads_->setValue(t.threads);
  logEvery_->setValue(t.log_every);
  evalEvery_->setValue(t.eval_every);
  int di = device_->findData(QString::fromStdString(t.device));
  if (di >= 0) device_->setCurrentIndex(di);
  loading_ = false;
  updateVisibility();
  updateGroupInfo();
  updateDatasetStatus();
  updateParamCount();
  emit configChanged();
}

QString ExperimentPanel::runName() const {
  RunConfig c = config();
  QString n = QString::fromStdString(c.model.model);
  if (n.startsWith("group") || n == "orth-rnn") n += QString(" %1(%2)").arg(QString::fromStdString(c.model.group).toUpper()).arg(c.model.d);
  else if (n == "lru") n += QString(" N%1 %2").arg(c.model.state).arg(QString::fromStdString(c.model.lru_init));
  else n += QString(" h%1").arg(c.model.hidden);
  return n + QString(" s%1").arg(c.train.seed);
}

void ExperimentPanel::updateVisibility() {
  const QString m = model_->currentText();
  // Which knobs matter is a property of the family's name prefix, not of each model: group-* use the
  // group box (so does orth-rnn, whose weights live on the group), lru its ring. Anything else simply
  // shows the common sizes.
  groupBox_->setVisible(m.startsWith("group") || m == "orth-rnn");
  lruBox_->setVisible(m == "lru");
  listopsBox_->setVisible(dataset_->currentText().trimmed() == "listops");
  heads_->setEnabled(m.contains("transformer"));
  groupRnn_->update(config());
  // group-rnn's state is a d×d group element: Hidden does not apply (d in the group box sets the size).
  const bool hiddenApplies = m != "group-rnn";
  hidden_->setEnabled(hiddenApplies);
  hidden_->setToolTip(hiddenApplies ? "Hidden width H: the size of the recurrent state (LSTM, tanh RNN, LRU output, transformer)."
                                    : "Not used by group-rnn: its state is a d×d group element; set d in the group box.");
  if (auto* info = ModelRegistry::instance().find(m.toStdString()))
    modelInfo_->setText(QString::fromStdString(info->description));
}

void ExperimentPanel::updateGroupInfo() {
  try {
    Group g = make_group(group_->currentText().trimmed().toStdString(), d_->value());
    QString desc;
    const QString base = group_->currentText().section(':', 0, 0);
    for (auto& gd : group_names())
      if (QString::fromStdString(gd.name).section(':', 0, 0) == base) desc = QString::fromStdString(gd.description);
    groupInfo_->setText(QString("%1<br><b>dim 𝔤 = %2</b> (real parameters per generator)").arg(desc.toHtmlEscaped()).arg(g.dim()));
    groupInfo_->setStyleSheet("");
  } catch (const std::exception& e) {
    groupInfo_->setText(QString::fromUtf8(e.what()));
    groupInfo_->setStyleSheet("color: #D55E00;");
  }
}

void ExperimentPanel::updateDatasetStatus() {
  const std::string name = dataset_->currentText().trimmed().toStdString();
  QString text, colour = "#009E73";
  if (name == "copy" || name == "recall" || name == "listops") {
    text = "synthetic task: generated on the fly, nothing to download";
  } else if (const DatasetInfo* ds = find_dataset_info(name)) {
    auto st = dataset_file_status(*ds, data_search_dirs(""), false);
    int missing = 0;
    for (auto& f : st)
      if (f.path.empty() && f.file->required) ++missing;
    if (missing) {
      text = QString("%1 required file(s) missing: download it in the Datasets tab").arg(missing);
      colour = "#D55E00";
    } else {
      text = QString(st.front().bundled ? "bundled with udlab: %1 (verify in the Datasets tab)" : "present in %1 (verify in the Datasets tab)")
                 .arg(QFileInfo(QString::fromStdString(st.front().path)).absolutePath());
    }
  } else if (QFileInfo::exists(QString::fromStdString(name))) {
    text = "a local text file (character-level)";
  } else {
    text = "unknown dataset and no such file";
    colour = "#D55E00";
  }
  datasetStatus_->setText(text);
  datasetStatus_->setStyleSheet("color: " + colour + ";");
}

int ExperimentPanel::vocabFor(const TrainConfig& t) {
  // The vocabulary size sets the embedding and head sizes. Synthetic tasks and small corpora open in
  // milliseconds; the result is cached per dataset.
  auto it = vocabCache_.find(t.dataset);
  if (it != vocabCache_.end()) return it->second;
  int v = -1;
  try {
    v = open_dataset(t)->vocab().size();
  } catch (const std::exception&) {
    v = -1;
  }
  vocabCache_[t.dataset] = v;
  return v;
}

void ExperimentPanel::updateParamCount() {
  RunConfig c = config();
  const int vocab = vocabFor(c.train);
  if (vocab <= 0) {
    paramsLabel_->setText("— (the dataset is not available)");
    params_ = 0;
    return;
  }
  try {
    params_ = count_params(c.model, vocab);
    paramsLabel_->setText(QString("%1 parameters  (vocabulary %2)").arg(human(params_)).arg(vocab));
  } catch (const std::exception& e) {
    params_ = 0;
    paramsLabel_->setText(QString("— %1").arg(QString::fromUtf8(e.what())));
  }
}

void ExperimentPanel::matchParams() {
  RunConfig c = config();
  const int vocab = vocabFor(c.train);
  if (vocab <= 0) {
    emit message("cannot match parameters: the dataset is not available");
    return;
  }
  try {
    MatchResult r = match_params(c.model, vocab, size_t(matchTarget_->value()));
    c.model = r.cfg;
    setConfig(c);
    emit message(QString("matched: %1 parameters (%2%)").arg(r.params).arg(r.rel_error * 100, 0, 'f', 2));
  } catch (const std::exception& e) {
    emit message(QString::fromUtf8(e.what()));
  }
}

}  // namespace udlab::ui
