// The window's side of lessons (core/lessons): the bundled lesson set, loaded once, and the panel
// that shows the running lesson's text and each claim — pending while its runs train, then held or
// not held with the measured values once every run has finished, failed or been cancelled.
#pragma once
#include <QWidget>
#include <map>
#include <string>

#include "core/lessons/lesson.h"
#include "core/io/run_data.h"

class QLabel;

namespace udlab::ui {

class RunManager;

const LessonSet& lessonSet();
// What a claim can read of a run held in the window (the same facts `lesson check` reads from disk).
RunFacts runFacts(const RunData& d, const std::string& name);

class LessonPanel : public QWidget {
  Q_OBJECT
 public:
  explicit LessonPanel(QWidget* parent = nullptr);
  // Follows the lesson's runs (run name → window run id).
  void start(const Lesson& lesson, std::map<std::string, int> runIds);
  // Re-evaluates from the runs' current data; call when a run changed or was removed.
  void update(RunManager& runs);
  bool finished() const { return finished_; }
  QString text() const;  // what the panel shows, as plain text (tests)

 private:
  Lesson lesson_;
  std::map<std::string, int> ids_;
  bool finished_ = false;
  QLabel* label_;
};

}  // namespace udlab::ui
