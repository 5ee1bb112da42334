#include "ui/dashboard/dashboard.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>

#include "ui/charts/complex_plane_chart.h"
#include "ui/charts/line_chart.h"
#include "ui/plot/figure.h"

namespace udlab::ui {

Dashboard::Dashboard(QWidget* parent) : QWidget(parent) {
  auto* top = new QHBoxLayout;
  metricBox_ = new QComboBox;
  metricBox_->addItems({"loss (nats)", "perplexity", "bits per character", "accuracy"});
  metricBox_->setToolTip("What the first chart shows: cross-entropy in nats, its exponential (perplexity), "
                         "the same in bits per character, or the synthetic tasks' accuracy.");
  logBox_ = new QCheckBox("log y");
  logBox_->setToolTip("A logarithmic loss axis: equal ratios look equal, so late slow progress stays visible.");
  smoothSlider_ = new QSlider(Qt::Horizontal);
  smoothSlider_->setRange(0, 99);
  smoothSlider_->setValue(60);
  smoothSlider_->setMaximumWidth(160);
  smoothSlider_->setToolTip("Debiased exponential moving average of the training curve (TensorBoard's smoothing), "
                            "computed on every point; the raw curve stays faint underneath.");
  smoothLabel_ = new QLabel;
  perTensorBox_ = new QCheckBox("per tensor");
  perTensorBox_->setChecked(true);
  perTensorBox_->setToolTip("Also draw the gradient norm of each parameter group (layers combined), "
                            "to see which part of the model vanishes or explodes.");
  top->addWidget(new QLabel("Show:"));
  top->addWidget(metricBox_);
  top->addWidget(logBox_);
  top->addSpacing(12);
  top->addWidget(new QLabel("Smoothing:"));
  top->addWidget(smoothSlider_);
  top->addWidget(smoothLabel_);
  top->addSpacing(12);
  top->addWidget(perTensorBox_);
  top->addStretch();

  area_ = new QWidget;
  auto* grid = new QGridLayout(area_);
  grid->setContentsMargins(0, 0, 0, 0);
  grid->setSpacing(4);
  loss_ = new LineChart;
  loss_->setTitle("Loss");
  loss_->setAxisTitles("step", "loss (nats)");
  grad_ = new LineChart;
  grad_->setTitle("Gradient norm");
  grad_->setAxisTitles("step", "‖∇θ L‖");
  grad_->setLogY(true);
  hnorm_ = new LineChart;
  hnorm_->setTitle("Hidden-state norm");
  hnorm_->setAxisTitles("time position t", "‖h_t‖");
  hgrad_ = new LineChart;
  hgrad_->setTitle("Gradient through time");
  hgrad_->setAxisTitles("time position t", "‖∂L/∂h_t‖");
  hgrad_->setLogY(true);
  eigen_ = new ComplexPlaneChart;
  eigen_->setTitle("Eigenvalues");
  auto* eigenBox = new QWidget;
  auto* ev = new QVBoxLayout(eigenBox);
  ev->setContentsMargins(0, 0, 0, 0);
  ev->addWidget(eigen_, 1);
  auto* scrubRow = new QHBoxLayout;
  playBtn_ = new QPushButton("▶ Play");
  playBtn_->setToolTip("Animate the eigenvalues through every logged step.");
  scrub_ = new QSlider(Qt::Horizontal);
  scrub_->setToolTip("Scrub through the logged steps; at the right end the plot follows the live run.");
  stepLabel_ = new QLabel("live");
  stepLabel_->setMinimumWidth(90);
  scrubRow->addWidget(playBtn_);
  scrubRow->addWidget(scrub_, 1);
  scrubRow->addWidget(stepLabel_);
  ev->addLayout(scrubRow);
  grid->addWidget(loss_, 0, 0);
  grid->addWidget(grad_, 0, 1);
  grid->addWidget(hnorm_, 1, 0);
  grid->addWidget(hgrad_, 1, 1);
  // The membership error (group models) has its own axis under the eigenvalues: it is a distance in
  // matrix norm, not a gradient, so it never shares the ‖∂L/∂h_t‖ axis.
  member_ = new LineChart;
  member_->setTitle("Distance from the group");
  member_->setAxisTitles("time position t", "membership error");
  member_->setLogY(true);
  member_->hide();
  for (auto* c : {loss_, grad_, hnorm_, hgrad_, member_}) c->setVertexBudget(LineChart::kLiveVertexBudget);
  auto* rightCol = new QWidget;
  auto* rv = new QVBoxLayout(rightCol);
  rv->setContentsMargins(0, 0, 0, 0);
  rv->addWidget(eigenBox, 2);
  rv->addWidget(member_, 1);
  grid->addWidget(rightCol, 0, 2, 2, 1);
  grid->setColumnStretch(0, 3);
  grid->setColumnStretch(1, 3);
  grid->setColumnStretch(2, 3);

  auto* lay = new QVBoxLayout(this);
  lay->addLayout(top);
  lay->addWidget(area_, 1);

  playTimer_ = new QTimer(this);
  playTimer_->setInterval(250);
  connect(playTimer_, &QTimer::timeout, this, [this] {
    if (steps_.empty() || scrub_->value() >= scrub_->maximum()) {
      playTimer_->stop();
      playBtn_->setText("▶ Play");
      return;
    }
    scrub_->setValue(scrub_->value() + 1);
  });
  connect(playBtn_, &QPushButton::clicked, this, [this] {
    if (playTimer_->isActive()) {
      playTimer_->stop();
      playBtn_->setText("▶ Play");
      return;
    }
    if (steps_.empty()) return;
    if (scrub_->value() >= scrub_->maximum()) scrub_->setValue(0);
    playBtn_->setText("⏸ Pause");
    playTimer_->start();
  });
  connect(scrub_, &QSlider::valueChanged, this, [this](int v) {
    eigenIndex_ = v >= scrub_->maximum() ? -1 : v;
    refreshEigen();
  });
  connect(metricBox_, &QComboBox::currentIndexChanged, this, [this](int i) { setLossMetric(LossMetric(i)); });
  connect(logBox_, &QCheckBox::toggled, this, [this](bool on) { setLossLogY(on); });
  connect(smoothSlider_, &QSlider::valueChanged, this, [this](int v) { setSmoothing(v / 100.0); });
  connect(perTensorBox_, &QCheckBox::toggled, this, [this] { refresh(); });
  setSmoothing(smoothSlider_->value() / 100.0);
}

void Dashboard::followLiveOnNewRuns(const std::vector<RunRef>& runs) {
  // A run added after a scrub is shown live: the scrubbed moment belonged to the runs then shown.
  for (auto& r : runs) {
    const bool known = std::any_of(runs_.begin(), runs_.end(), [&](const RunRef& o) { return o.id == r.id; });
    if (!known && eigenIndex_ >= 0) {
      eigenIndex_ = -1;
      playTimer_->stop();
      playBtn_->setText("▶ Play");
      break;
    }
  }
}

void Dashboard::setRuns(std::vector<RunRef> runs) {
  followLiveOnNewRuns(runs);
  runs_ = std::move(runs);
  refresh();
}

void Dashboard::setChartStyle(const ChartStyle& s) {
  style_ = s;
  for (auto* c : {loss_, grad_, hnorm_, hgrad_, member_}) c->setChartStyle(s);
  eigen_->setChartStyle(s);
  refresh();
}

void Dashboard::setLossMetric(LossMetric m) {
  metric_ = m;
  if (metricBox_->currentIndex() != int(m)) metricBox_->setCurrentIndex(int(m));
  loss_->setTitle(m == LossMetric::Accuracy ? "Accuracy" : m == LossMetric::Loss ? "Loss" : m == LossMetric::Perplexity ? "Perplexity" : "Bits per character");
  loss_->setAxisTitles("step", lossMetricTitle(m));
  refreshLoss();
}

void Dashboard::setLossLogY(bool on) {
  if (logBox_->isChecked() != on) logBox_->setChecked(on);
  loss_->setLogY(on);
  loss_->refresh();
}

void Dashboard::setSmoothing(double w) {
  smoothLabel_->setText(QString::number(w, 'f', 2));
  loss_->setSmoothing(w);
  grad_->setSmoothing(w);
  loss_->refresh();
  grad_->refresh();
}

void Dashboard::setEigenStep(int idx) {
  updateScrubber();
  scrub_->setValue(idx < 0 ? scrub_->maximum() : std::min(idx, scrub_->maximum()));
  eigenIndex_ = idx < 0 || idx >= scrub_->maximum() ? -1 : idx;
  refreshEigen();
}

void Dashboard::updateScrubber() {
  steps_ = eigenSteps(runs_);
  // One slot per logged step plus the final "live" position.
  const bool live = eigenIndex_ < 0;
  QSignalBlocker b(scrub_);
  scrub_->setRange(0, int(steps_.size()));
  if (live) scrub_->setValue(scrub_->maximum());
}

int Dashboard::shownEigenStep() const {
  return eigenIndex_ < 0 || eigenIndex_ >= int(steps_.size()) ? -1 : steps_[eigenIndex_];
}

void Dashboard::refreshEigenPlot() {
  const int step = shownEigenStep();
  EigenView v = eigenView(runs_, step);
  eigen_->setPointSets(std::move(v.sets));
  eigen_->setRings(std::move(v.rings));
  eigen_->setTitle(v.step >= 0 ? QString("Eigenvalues at step %1").arg(v.step) : QString("Eigenvalues"));
  stepLabel_->setText(eigenIndex_ < 0 ? QString("live") : QString("step %1").arg(step));
  eigen_->refresh();
}

void Dashboard::refreshProfiles() {
  // Norm profiles follow the eigenvalues' step, so scrubbing shows h_t and λ of one moment together.
  const int step = shownEigenStep();
  hnorm_->setCurves(stateNormCurves(runs_, step));
  hgrad_->setCurves(stateGradCurves(runs_, step));
  auto member = membershipCurves(runs_, step);
  member_->setVisible(!member.empty());
  member_->setCurves(std::move(member));
  hnorm_->refresh();
  hgrad_->refresh();
  member_->refresh();
}

void Dashboard::refreshEigen() {
  refreshEigenPlot();
  refreshProfiles();
}

void Dashboard::refreshLoss() {
  loss_->setCurves(lossCurves(runs_, metric_));
  loss_->setMarks(eventMarks(runs_));
  loss_->refresh();
}

void Dashboard::refreshGrad() {
  grad_->setCurves(gradCurves(runs_, perTensorBox_->isChecked()));
  grad_->setMarks(eventMarks(runs_));
  grad_->refresh();
}

uint64_t Dashboard::inputKey(bool telemetry) const {
  uint64_t h = 1469598103934665603ull;  // FNV-1a over the numbers
  auto mix = [&](uint64_t v) {
    for (int i = 0; i < 8; ++i, v >>= 8) h = (h ^ (v & 0xff)) * 1099511628211ull;
  };
  for (auto& r : runs_) {
    mix(uint64_t(r.id));
    mix(uint64_t(reinterpret_cast<uintptr_t>(r.data)));
    mix(r.color.rgba());
    mix(qHash(r.name));
    if (!r.data) continue;
    mix(telemetry ? r.data->snapshots.size() : r.data->records);
    mix(r.data->events.size());
    mix(r.data->live());
    mix(r.data->config.is_null() || r.data->run_info.is_null());
  }
  mix(runs_.size());
  if (telemetry) {
    mix(uint64_t(eigenIndex_ + 1));
    for (QWidget* w : {static_cast<QWidget*>(eigen_), static_cast<QWidget*>(hnorm_)}) mix(uint64_t(w->width()) << 32 | uint(w->height()));
  } else {
    for (QWidget* w : {loss_, grad_}) mix(uint64_t(w->width()) << 32 | uint(w->height()));
  }
  return h;
}

RedrawSteps Dashboard::refreshSteps(bool forced) {
  RedrawSteps steps;
  // Axes keep headroom while a run trains, so that the next records fit without a relayout.
  auto live = [this] { return std::any_of(runs_.begin(), runs_.end(), [](const RunRef& r) { return r.data && r.data->live(); }); };
  if (forced || inputKey(false) != scalarKey_) {
    steps.push_back([this, live] {
      scalarKey_ = inputKey(false);
      for (auto* c : {loss_, grad_}) c->setAxisHeadroom(live() ? LineChart::kLiveHeadroom : 0);
      refreshLoss();
    });
    steps.push_back([this] { refreshGrad(); });
  }
  if (forced || inputKey(true) != telemetryKey_) {
    steps.push_back([this] {
      telemetryKey_ = inputKey(true);
      updateScrubber();
      refreshEigenPlot();
    });
    steps.push_back([this] { refreshProfiles(); });
  }
  steps.push_back([this] { emit refreshed(); });
  return steps;
}

RedrawSteps Dashboard::stageRuns(std::vector<RunRef> runs) {
  followLiveOnNewRuns(runs);
  runs_ = std::move(runs);
  return refreshSteps(false);
}

void Dashboard::refresh() {
  for (auto& step : refreshSteps()) step();
}

void Dashboard::fillFigureRequest(FigureRequest* req) const {
  req->metric = metric_;
  req->smoothing = smoothSlider_->value() / 100.0;
  req->perTensor = perTensorBox_->isChecked();
  req->step = shownEigenStep();
}

std::vector<ExportableChart> Dashboard::exportables() const {
  auto lc = [](LineChart* c) { return [c](QIODevice* d, QString* e) { return c->writeCsv(d, e); }; };
  return {{"loss", loss_, lc(loss_)},
          {"grad", grad_, lc(grad_)},
          {"state_norm", hnorm_, lc(hnorm_)},
          {"state_grad", hgrad_, lc(hgrad_)},
          {"membership", member_, lc(member_)},
          {"eigen", eigen_, [c = eigen_](QIODevice* d, QString* e) { return c->writeCsv(d, e); }}};
}

}  // namespace udlab::ui
