// Seed groups: which runs group together, the mean/band statistics checked by hand on tiny series,
// and the compare view with grouping on (fewer overlay curves, one table row per group with N).
#include <QDir>
#include <QFile>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "ui/charts/chart_theme.h"
#include "ui/charts/line_chart.h"
#include "ui/dashboard/seed_groups.h"
#include "ui/panels/compare_view.h"

using namespace udlab;
using namespace udlab::ui;
using nlohmann::json;

namespace {
json lstm(int hidden, int seed) { return {{"model", "lstm"}, {"hidden", hidden}, {"seed", seed}, {"steps", 30}}; }

// A run that logged train_loss = ys[i] at steps[i] and a final wall_time.
RunData run(const json& config, const std::vector<int>& steps, const std::vector<double>& ys, double wall = NAN) {
  RunData d;
  d.config = config;
  for (size_t i = 0; i < steps.size(); ++i) {
    json r = {{"step", steps[i]}, {"train_loss", ys[i]}};
    if (i + 1 == steps.size() && std::isfinite(wall)) r["wall_time"] = wall;
    d.addRecord(r);
  }
  return d;
}
Series series(std::vector<double> x, std::vector<double> y) { return {std::move(x), std::move(y)}; }
}  // namespace

class TestUiSeedGroups : public QObject {
  Q_OBJECT
 private slots:
  void groupingIgnoresSeedAndOutOnly() {
    json withOut = lstm(64, 2);
    withOut["out"] = "runs/elsewhere";
    RunData a = run(lstm(64, 1), {}, {}), b = run(withOut, {}, {}), c = run(lstm(128, 1), {}, {}),
            d = run(json(), {}, {}), e = run(lstm(64, 3), {}, {});
    std::vector<RunRef> refs{{1, "lstm h64 s1", runColor(0), &a}, {2, "lstm h64 s2", runColor(1), &b},
                             {3, "lstm h128 s1", runColor(2), &c}, {4, "loaded", runColor(3), &d},
                             {5, "lstm h64 s3", runColor(4), &e}};
    auto g = groupBySeed(refs);
    QCOMPARE(g.size(), size_t(3));
    QCOMPARE(g[0].runs.size(), size_t(3));
    QCOMPARE(g[0].runs[0].id, 1);
    QCOMPARE(g[0].runs[1].id, 2);
    QCOMPARE(g[0].runs[2].id, 5);
    QCOMPARE(g[0].name, QString("lstm h64"));
    // A different hidden size is a different experiment; a run with no config stays alone.
    QCOMPARE(g[1].runs.size(), size_t(1));
    QCOMPARE(g[1].name, QString("lstm h128 s1"));
    QCOMPARE(g[2].runs.front().id, 4);
    QCOMPARE(seedGroupLabel(g[0], SeedBand::Std), QString("lstm h64 (N=3, mean ± std)"));
    QCOMPARE(singletonGroups(refs).size(), refs.size());
  }

  void statsByHandAndIntersection() {
    // Step 20 is missing from the third member and step 40 is NaN in the second: both are dropped.
    std::vector<Series> m{series({10, 20, 30, 40}, {1, 5, 2, 1}), series({10, 20, 30, 40}, {2, 6, 4, NAN}),
                          series({10, 30, 40}, {3, 9, 1})};
    SeedStats st = seedStats(m, SeedBand::Std);
    QCOMPARE(st.x, (std::vector<double>{10, 30}));
    QCOMPARE(st.mean[0], 2.0);
    QCOMPARE(st.mean[1], 5.0);
    // Sample std: step 10 deviations -1,0,1 -> sqrt(2/2) = 1; step 30: -3,-1,4 -> sqrt(26/2).
    QVERIFY(std::abs(st.lower[0] - 1.0) < 1e-12 && std::abs(st.upper[0] - 3.0) < 1e-12);
    QVERIFY(std::abs(st.upper[1] - (5.0 + std::sqrt(13.0))) < 1e-12);
    SeedStats se = seedStats(m, SeedBand::StdErr);
    QVERIFY(std::abs(se.upper[0] - (2.0 + 1.0 / std::sqrt(3.0))) < 1e-12);
    QVERIFY(std::abs(se.lower[1] - (5.0 - std::sqrt(13.0 / 3.0))) < 1e-12);
    SeedStats mm = seedStats(m, SeedBand::MinMax);
    QCOMPARE(mm.lower, (std::vector<double>{1, 2}));
    QCOMPARE(mm.upper, (std::vector<double>{3, 9}));
    QCOMPARE(mm.mean, (std::vector<double>{2, 5}));
  }

  void groupCurveLabelColourAndSingletons() {
    RunData a = run(lstm(64, 1), {10, 20}, {1, 3}), b = run(lstm(64, 2), {10, 20}, {3, 5}),
            c = run(lstm(128, 1), {10, 20}, {2, 2});
    std::vector<RunRef> refs{{1, "lstm h64 s1", runColor(0), &a}, {2, "lstm h64 s2", runColor(1), &b},
                             {3, "lstm h128 s1", runColor(2), &c}};
    auto curves = seedLossCurves(groupBySeed(refs), LossMetric::Loss, SeedBand::MinMax);
    QCOMPARE(curves.size(), size_t(2));  // train only: these runs logged no validation
    QCOMPARE(curves[0].label, QString("lstm h64 (N=2, mean, min–max) train"));
    QCOMPARE(curves[0].color, runColor(0));
    QCOMPARE(curves[0].y, (std::vector<double>{2, 4}));
    QCOMPARE(curves[0].lower, (std::vector<double>{1, 3}));
    QCOMPARE(curves[0].upper, (std::vector<double>{3, 5}));
    // The singleton looks exactly as lossCurves draws it among several runs.
    auto plain = lossCurves(refs, LossMetric::Loss);
    QCOMPARE(curves[1].label, plain[2].label);
    QCOMPARE(curves[1].id, plain[2].id);
    QCOMPARE(curves[1].y, plain[2].y);
    QVERIFY(curves[1].lower.empty());
  }

  void compareViewGroupsRunsAndTable() {
    RunData a = run(lstm(64, 1), {10, 20}, {1, 3}, 10), b = run(lstm(64, 2), {10, 20}, {3, 5}, 12),
            c = run(lstm(64, 3), {10, 20}, {2, 4}, 14), d = run(lstm(128, 1), {10, 20}, {2, 2}, 20);
    std::vector<RunRef> refs{{1, "lstm h64 s1", runColor(0), &a}, {2, "lstm h64 s2", runColor(1), &b},
                             {3, "lstm h64 s3", runColor(2), &c}, {4, "lstm h128 s1", runColor(3), &d}};
    CompareView v;
    v.resize(1200, 800);
    v.setRuns(refs);
    QCOMPARE(v.overlay()->curves().size(), size_t(4));
    QCOMPARE(v.multiples().size(), size_t(4));
    QCOMPARE(v.summaries().size(), size_t(4));
    QCOMPARE(v.table()->columnCount(), 9);

    v.setGroupSeeds(true);
    QCOMPARE(v.overlay()->curves().size(), size_t(2));
    QCOMPARE(v.multiples().size(), size_t(2));
    QVERIFY(v.multiples()[0]->title().contains("N=3"));
    QCOMPARE(v.summaries().size(), size_t(2));
    QCOMPARE(v.summaries()[0].n, 3);
    QCOMPARE(v.summaries()[0].wallTime, 12.0);
    QCOMPARE(v.table()->columnCount(), 10);
    QCOMPARE(v.table()->horizontalHeaderItem(1)->text(), QString("N"));
    QCOMPARE(v.table()->item(0, 1)->text(), QString("3"));
    QCOMPARE(v.table()->item(1, 1)->text(), QString("1"));
    // wall time: 10, 12, 14 -> mean 12, sample std 2; the singleton shows a plain value.
    QCOMPARE(v.table()->horizontalHeaderItem(9)->text(), QString("wall time (s)"));
    QCOMPARE(v.table()->item(0, 9)->text(), QString("12 ± 2"));
    QCOMPARE(v.table()->item(1, 9)->text(), QString("20"));

    QTemporaryDir tmp;
    QVERIFY(v.exportTable(tmp.filePath("t.csv")).isEmpty());
    QFile f(tmp.filePath("t.csv"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    QVERIFY(lines[0].startsWith("run,N,params,"));
    QVERIFY2(lines[1].startsWith("lstm h64,3,") && lines[1].endsWith(",12 ± 2"), qPrintable(lines[1]));
    QVERIFY(v.exportTable(tmp.filePath("t.md")).isEmpty());

    // The band choice reaches the overlay: min–max of the train loss at step 20 is 3..5.
    v.setSeedBand(SeedBand::MinMax);
    const Curve& g = v.overlay()->curves()[0];
    QCOMPARE(g.upper.back(), 5.0);
    QCOMPARE(g.lower.back(), 3.0);

    // The steps a caller may spread over event-loop turns redraw the same thing as refresh().
    auto steps = v.refreshSteps();
    QCOMPARE(steps.size(), size_t(3));
    for (auto& s : steps) s();
    QCOMPARE(v.overlay()->curves().size(), size_t(2));

    v.setGroupSeeds(false);
    QCOMPARE(v.overlay()->curves().size(), size_t(4));
    QCOMPARE(v.table()->columnCount(), 9);
    QCOMPARE(v.summaries()[0].n, 1);
  }

  void screenshotGrouped() {
    // Three seeds of one config and two of another, with seed-dependent noise, for a look at the bands.
    std::vector<RunData> data;
    std::vector<RunRef> refs;
    for (int k = 0; k < 5; ++k) {
      const int hidden = k < 3 ? 64 : 128, seed = k + 1;
      RunData d;
      d.config = lstm(hidden, seed);
      for (int step = 10; step <= 1000; step += 10) {
        const double loss = (hidden == 64 ? 1.6 : 1.3) + 2.0 * std::exp(-step / 250.0) +
                            0.08 * std::sin(step * 0.05 + seed) * std::exp(-step / 600.0) + 0.03 * seed;
        json r = {{"step", step}, {"train_loss", loss}, {"wall_time", step * 0.02 + seed}};
        if (step % 100 == 0) r["val_loss"] = loss + 0.1;
        d.addRecord(r);
      }
      data.push_back(std::move(d));
    }
    for (int k = 0; k < 5; ++k)
      refs.push_back({k + 1, QString("lstm h%1 s%2").arg(k < 3 ? 64 : 128).arg(k + 1), runColor(k), &data[k]});
    CompareView v;
    v.resize(1400, 900);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    v.setGroupSeeds(true);
    v.setRuns(refs);
    QCOMPARE(v.groups().size(), size_t(2));
    QCOMPARE(v.overlay()->curves().size(), size_t(4));  // train and val per group
    QCOMPARE(v.multiples().size(), size_t(2));
    // Charts added to a shown layout appear by a queued call; then redraw at their real size.
    QTest::qWait(50);
    v.refresh();
    const QString out = QDir::current().filePath("screenshots");
    QDir().mkpath(out);
    QVERIFY(v.grab().save(out + "/compare-seeds.png"));
  }
};

QTEST_MAIN(TestUiSeedGroups)
#include "test_ui_seed_groups.moc"
