// Lessons: presets that set up a handful of runs and say which view to watch. Plain data (configs as
// JSON overrides of the defaults), so adding a lesson is adding an entry.
#pragma once
#include <QString>
#include <nlohmann/json.hpp>
#include <vector>

namespace udlab::ui {

struct Lesson {
  QString title;
  QString hint;                       // what to look at, shown in the window
  QString view;                       // "dashboard" or "compare"
  std::vector<std::pair<QString, nlohmann::json>> runs;  // name, config overrides
};

const std::vector<Lesson>& lessons();

}  // namespace udlab::ui
