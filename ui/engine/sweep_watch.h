// A sweep directory opened in the window: every point's run appears as soon as its trainer has
// written its directory (config.json and status.json), then is followed like any other run. Points
// still queued (local pool) or pending in Slurm appear when they start; the watch ends once every
// point has been handed over or will never start.
#pragma once
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>

class QTimer;

namespace udlab::ui {

class SweepWatch : public QObject {
  Q_OBJECT
 public:
  // Throws udlab::Error when dir has no readable sweep.json.
  SweepWatch(const QString& dir, QObject* parent);
  QString dir() const { return dir_; }
  QString title() const { return title_; }
  QStringList axes() const { return axes_; }  // the sweep's axis keys, in order
  int points() const { return points_; }
  bool hasSeedAxis() const { return axes_.contains("seed"); }
  bool done() const { return done_; }
  // Looks now (the timer looks every second): emits runReady for each point newly started.
  void poll();

 signals:
  // name: "<sweep directory name>: <point label>" (the label lists the point's axis values).
  void runReady(const QString& runDir, const QString& name);

 private:
  QString dir_, title_;
  QStringList axes_;
  int points_ = 0;
  bool done_ = false;
  QSet<QString> handed_;
  QTimer* timer_;
};

}  // namespace udlab::ui
