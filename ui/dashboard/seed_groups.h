// Runs that differ only by seed, drawn as one mean line with a band (as Weights & Biases does): the
// grouping, the statistics over aligned steps, and the curves. Pure functions over RunRefs.
#pragma once
#include <QString>
#include <vector>

#include "ui/dashboard/curve_builders.h"

namespace udlab::ui {

struct SeedGroup {
  QString name;              // the first member's name without its seed, e.g. "lstm h64"
  std::vector<RunRef> runs;  // in the order given; runs.front() lends its colour
};

// Runs whose configs agree on every key except the seed and the output location ("seed", "out",
// "run_dir", "name") form one group, in order of first appearance. A run without a config object
// stays alone, since nothing says what it repeats.
std::vector<SeedGroup> groupBySeed(const std::vector<RunRef>& runs);
// One group per run: the ungrouped view through the same code path.
std::vector<SeedGroup> singletonGroups(const std::vector<RunRef>& runs);

enum class SeedBand { Std, StdErr, MinMax };
QString seedBandName(SeedBand b);  // "mean ± std", "mean ± std-err", "mean, min–max"
QString seedGroupLabel(const SeedGroup& g, SeedBand b);  // "lstm h64 (N=3, mean ± std)"

struct SeedStats {
  std::vector<double> x, mean, lower, upper;
};
// Aligns the members on the steps every one of them logged with a finite value (the intersection)
// and gives the mean with the band: mean ± sample std, mean ± std/√N, or min–max.
SeedStats seedStats(const std::vector<Series>& members, SeedBand b);

// The metric per group, train and validation: a singleton group exactly as lossCurves draws its run,
// a larger one as mean + band in the first member's colour with N in the label.
std::vector<Curve> seedLossCurves(const std::vector<SeedGroup>& groups, LossMetric m, SeedBand b);

}  // namespace udlab::ui
