// A redraw split into steps that the LiveUpdater runs one per event-loop pass, so input, timers and
// the repaint of the chart just updated are served between charts instead of after all of them.
#pragma once
#include <functional>
#include <vector>

namespace udlab::ui {

using RedrawSteps = std::vector<std::function<void()>>;

}  // namespace udlab::ui
