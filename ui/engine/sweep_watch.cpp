#include "ui/engine/sweep_watch.h"

#include <QFileInfo>
#include <QTimer>

#include "core/sweep/sweep_dir.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace udlab::ui {

SweepWatch::SweepWatch(const QString& dir, QObject* parent) : QObject(parent), dir_(dir), timer_(new QTimer(this)) {
  const auto sweep = read_sweep_json(dir.toStdString());
  title_ = QString::fromStdString(sweep.value("title", std::string()));
  if (sweep.contains("axes") && sweep["axes"].is_array())
    for (const auto& a : sweep["axes"])
      if (a.is_object() && a.contains("key") && a["key"].is_string()) axes_ << QString::fromStdString(a["key"].get<std::string>());
  points_ = int(sweep["points"].size());
  timer_->setInterval(1000);
  connect(timer_, &QTimer::timeout, this, &SweepWatch::poll);
  timer_->start();
}

void SweepWatch::poll() {
  if (done_) return;
  std::vector<PointState> states;
  try {
    states = sweep_states(dir_.toStdString(), read_sweep_json(dir_.toStdString()));
  } catch (const Error&) {
    return;  // sweep.json is replaced atomically; an unreadable one is read again next time
  }
  const QString sweepName = QFileInfo(dir_).fileName();
  bool open = false;
  for (const auto& s : states) {
    const QString run = QString::fromStdString(s.run_dir);
    if (handed_.contains(run)) continue;
    if (file_exists(s.run_dir + "/config.json") && file_exists(s.run_dir + "/status.json")) {
      handed_.insert(run);
      emit runReady(run, sweepName + ": " + QString::fromStdString(s.label));
    } else if (!s.final()) {
      open = true;  // not started yet
    }
  }
  if (!open) {
    done_ = true;
    timer_->stop();
  }
}

}  // namespace udlab::ui
