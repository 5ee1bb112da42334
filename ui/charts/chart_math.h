// Pure numeric helpers behind every chart: smoothing, sanitising and per-pixel decimation. No Qt, so
// they are unit-tested directly and the order "smooth the full data, then decimate" is explicit.
#pragma once
#include <cstddef>
#include <string>
#include <complex>
#include <vector>

namespace udlab::ui {

using std::size_t;

struct XY {
  std::vector<double> x, y;
  size_t size() const { return x.size(); }
};

// TensorBoard's debiased exponential moving average (weight in [0, 1); 0 = no smoothing). Non-finite
// inputs pass through unchanged and do not poison the average.
std::vector<double> debiasedEma(const std::vector<double>& y, double weight);

// Drops points whose x or y is NaN/Inf. With positiveOnly (log axes) also drops y <= 0, since a
// QLogValueAxis draws nothing for a series containing one.
XY sanitize(const std::vector<double>& x, const std::vector<double>& y, bool positiveOnly);

// A curve cut where y is not finite (NaN or ±Inf: a diverged step, a value logged as null): the finite
// stretches between, each drawn as its own line, and the x of each gap (the first non-finite point of
// each run of them), for a marker. Points with a non-finite x are dropped, and so are y <= 0 with
// positiveOnly (a log axis cannot show them, but they are values, not gaps). Past maxParts stretches,
// the narrowest gaps are bridged: each stretch costs a series, and gaps that many are still marked.
struct Pieces {
  std::vector<XY> parts;
  std::vector<double> gaps;
};
Pieces splitAtGaps(const std::vector<double>& x, const std::vector<double>& y, bool positiveOnly, size_t maxParts = 16);

// Min/max per pixel column over [xmin, xmax] split into `columns` buckets. Keeps the first and last
// point and every bucket's extremes in x order, so spikes stay visible. Expects x sorted ascending.
// Returns the input unchanged when it already has at most 2 * columns points.
XY decimateMinMax(const XY& in, double xmin, double xmax, int columns);
// For smooth curves (a moving average): the first point and the last point of each of `columns`
// buckets, one vertex per pixel column. Returns the input unchanged when it has at most `columns` points.
XY decimateLast(const XY& in, double xmin, double xmax, int columns);

struct Range {
  double lo = 0, hi = 1;
};
// A padded axis range over finite values (and positive ones when forLog). Whole decades for log axes.
// Data spanning less than kFlatRelSpan of its magnitude gets value ± 1%, so a constant reads as flat.
constexpr double kFlatRelSpan = 1e-4;
// Points for a scatter chart: non-finite ones dropped, then one per cell of a grid of `cells`×`cells`
// over the points' extent, then at most `cap` (evenly strided). Qt Charts' scatter series costs time
// quadratic in its points (64k took minutes); at a chart's resolution the thinned set looks the same.
std::vector<std::complex<double>> thinPoints(const std::vector<std::complex<double>>& z, int cells = 400,
                                             size_t cap = 4096);
Range niceRange(const std::vector<const std::vector<double>*>& ys, bool forLog, double pad = 0.05);

// The printf format of tick labels `step` apart over [lo, hi]: enough decimals that no two ticks
// print alike (fixed point, or scientific for magnitudes >= 1e6 or steps < 1e-5).
std::string tickFormat(double step, double lo, double hi);
// The labels Qt draws for dynamic ticks (multiples of step inside [lo, hi]) in that format.
std::vector<std::string> tickLabels(double lo, double hi, double step, const std::string& fmt);

}  // namespace udlab::ui
