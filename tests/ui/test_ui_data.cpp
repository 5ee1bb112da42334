// Pure logic behind the charts: smoothing, decimation, sanitising, record parsing, run directories.
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <fstream>

#include "core/util/error.h"
#include "synthetic_run.h"
#include "ui/charts/chart_math.h"
#include "ui/dashboard/curve_builders.h"
#include "core/io/run_reader.h"

using namespace udlab;
using namespace udlab::ui;

class TestUiData : public QObject {
  Q_OBJECT
 private slots:
  void emaMatchesTensorBoard() {
    // TensorBoard: last = last*w + (1-w)*v; smoothed = last / (1 - w^n).
    std::vector<double> y{1, 2, 3, 4};
    auto s = debiasedEma(y, 0.5);
    QCOMPARE(s[0], 1.0);                            // debiasing makes the first value exact
    QVERIFY(std::abs(s[1] - (0.25 + 1.0) / 0.75) < 1e-12);
    auto same = debiasedEma(y, 0.0);
    QCOMPARE(same, y);
    std::vector<double> c(100, 3.0);
    for (double v : debiasedEma(c, 0.9)) QVERIFY(std::abs(v - 3.0) < 1e-12);  // no bias towards 0
  }
  void emaSkipsNonFinite() {
    std::vector<double> y{1, NAN, 1, INFINITY, 1};
    auto s = debiasedEma(y, 0.8);
    QVERIFY(std::isnan(s[1]));
    QVERIFY(std::abs(s[2] - 1.0) < 1e-12);
    QVERIFY(std::abs(s[4] - 1.0) < 1e-12);
  }
  void sanitizeDropsBadAndNonPositive() {
    std::vector<double> x{0, 1, 2, 3, 4}, y{0.0, NAN, -1, INFINITY, 2};
    auto a = sanitize(x, y, false);
    QCOMPARE(a.size(), size_t(3));  // 0, -1, 2
    auto b = sanitize(x, y, true);
    QCOMPARE(b.size(), size_t(1));
    QCOMPARE(b.y[0], 2.0);
  }
  void decimationKeepsExtremesAndBounds() {
    XY in;
    const int n = 100000;
    for (int i = 0; i < n; ++i) {
      in.x.push_back(i);
      in.y.push_back(std::sin(i * 0.001));
    }
    in.y[54321] = 50.0;  // a spike must survive
    in.y[777] = -50.0;
    auto out = decimateMinMax(in, 0, n - 1, 500);
    QVERIFY(out.size() <= 4 * 501);
    QVERIFY(out.size() >= 500);
    QCOMPARE(out.x.front(), 0.0);
    QCOMPARE(out.x.back(), double(n - 1));
    QCOMPARE(*std::max_element(out.y.begin(), out.y.end()), 50.0);
    QCOMPARE(*std::min_element(out.y.begin(), out.y.end()), -50.0);
    QVERIFY(std::is_sorted(out.x.begin(), out.x.end()));
    // Small inputs pass through untouched.
    XY small{{0, 1, 2}, {3, 4, 5}};
    QCOMPARE(decimateMinMax(small, 0, 2, 500).y, small.y);
  }
  void smoothLinesGetOneVertexPerColumn() {
    XY in;
    const int n = 10000;
    for (int i = 0; i < n; ++i) {
      in.x.push_back(i);
      in.y.push_back(std::exp(-i * 1e-3));
    }
    auto out = decimateLast(in, 0, n - 1, 200);
    QVERIFY(out.size() <= 202);
    QVERIFY(out.size() >= 200);
    QCOMPARE(out.x.front(), 0.0);
    QCOMPARE(out.x.back(), double(n - 1));
    QCOMPARE(out.y.back(), in.y.back());
    QVERIFY(std::is_sorted(out.x.begin(), out.x.end()));
    // Every kept vertex is a data point (no invented values), so a linear interpolation between them
    // stays within a pixel column's change of the smooth curve.
    for (size_t i = 0; i < out.size(); ++i) QCOMPARE(out.y[i], std::exp(-out.x[i] * 1e-3));
    XY small{{0, 1, 2}, {3, 4, 5}};
    QCOMPARE(decimateLast(small, 0, 2, 500).y, small.y);
  }
  void niceRangeLogIsWholeDecades() {
    std::vector<double> y{0.0, 0.03, 20.0};
    auto r = niceRange({&y}, true);
    QCOMPARE(r.lo, 0.01);
    QCOMPARE(r.hi, 100.0);
    auto l = niceRange({&y}, false);
    QVERIFY(l.lo < 0 && l.hi > 20);
  }
  void recordParsing() {
    RunData d;
    d.addRecord(udlab::test::syntheticRecord(10));
    d.addRecord(udlab::test::syntheticRecord(20));
    QVERIFY(d.series("train_loss"));
    QCOMPARE(d.series("train_loss")->size(), size_t(2));
    QCOMPARE(d.grad_norms.size(), size_t(4));
    QCOMPARE(d.snapshots.size(), size_t(2));
    QCOMPARE(d.snapshots[1].eigenvalues.at("lambda.layer0").size(), size_t(16));
    QVERIFY_THROWS_EXCEPTION(udlab::Error, d.addRecord(nlohmann::json::array()));
    QVERIFY_THROWS_EXCEPTION(udlab::Error, d.addRecord(nlohmann::json{{"train_loss", 1.0}}));
    // JSON null (how nlohmann writes NaN) is kept as NaN, not dropped.
    d.addRecord({{"step", 30}, {"train_loss", nullptr}});
    QVERIFY(std::isnan(d.series("train_loss")->y.back()));
  }
  void readsRunDirectory() {
    QTemporaryDir tmp;
    udlab::test::writeSyntheticRun(tmp.path().toStdString(), 500, 10);
    auto r = readRunDirectory(tmp.path().toStdString());
    QCOMPARE(r.data.series("train_loss")->size(), size_t(50));
    QCOMPARE(r.data.state, std::string("finished"));
    QCOMPARE(r.data.config["model"].get<std::string>(), std::string("lru"));
    QVERIFY(r.warning.empty());
  }
  void toleratesTruncatedLastLine() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    udlab::test::writeSyntheticRun(dir, 100, 10);
    std::ofstream(dir + "/metrics.jsonl", std::ios::app) << "{\"step\": 110, \"train_lo";
    auto r = readRunDirectory(dir);
    QCOMPARE(r.data.series("train_loss")->size(), size_t(10));
    QVERIFY(!r.warning.empty());
  }
  void tornStatusOpensTheRunWithAWarning() {
    // Issue 16: a status.json cut mid-write loses the state, never the records fully written before.
    for (const char* torn : {"{\"state\": \"runn", "[1,2", "{\"step\": 3}"}) {
      QTemporaryDir tmp;
      const std::string dir = tmp.path().toStdString();
      udlab::test::writeSyntheticRun(dir, 100, 10);
      std::ofstream(dir + "/status.json") << torn;
      auto r = readRunDirectory(dir);
      QCOMPARE(r.data.series("train_loss")->size(), size_t(10));
      QVERIFY2(QString::fromStdString(r.warning).contains("status.json"), r.warning.c_str());
      QVERIFY(!r.data.live());
    }
  }
  void rejectsCorruptAndForeignDirectories_data() {
    QTest::addColumn<QString>("what");
    QTest::addColumn<QString>("expected");
    QTest::newRow("missing") << "missing" << "is not a directory";
    QTest::newRow("foreign") << "foreign" << "not a udlab run directory";
    QTest::newRow("bad config") << "badconfig" << "config.json";
    QTest::newRow("not udlab config") << "othercfg" << "not a udlab config";
    QTest::newRow("mid-file garbage") << "midgarbage" << "line 2";
  }
  void rejectsCorruptAndForeignDirectories() {
    QFETCH(QString, what);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    std::string dir = tmp.path().toStdString();
    if (what == "missing") dir += "/nope";
    if (what == "foreign") std::ofstream(dir + "/README.txt") << "hello";
    if (what == "badconfig") std::ofstream(dir + "/config.json") << "{not json";
    if (what == "othercfg") std::ofstream(dir + "/config.json") << "{\"name\": \"pytorch\"}";
    if (what == "midgarbage") {
      udlab::test::writeSyntheticRun(dir, 50, 10);
      std::ofstream(dir + "/metrics.jsonl") << udlab::test::syntheticRecord(1).dump() << "\n#garbage\n"
                                            << udlab::test::syntheticRecord(2).dump() << "\n";
    }
    try {
      readRunDirectory(dir);
      QFAIL("expected an error");
    } catch (const udlab::Error& e) {
      QVERIFY2(QString(e.what()).contains(expected), e.what());
    }
  }
  void curveBuildersAreModelGeneric() {
    RunData d;
    for (int s = 10; s <= 100; s += 10) d.addRecord(udlab::test::syntheticRecord(s));
    std::vector<RunRef> runs{{1, "a", Qt::red, &d}};
    auto loss = lossCurves(runs, LossMetric::Loss);
    QCOMPARE(loss.size(), size_t(2));  // train and val
    auto grad = gradCurves(runs, true);
    // global + embedding.weight + rnn.weight_hh_l* (two layers combined) + head.weight
    QCOMPARE(grad.size(), size_t(4));
    auto g = std::find_if(grad.begin(), grad.end(), [](auto& c) { return c.label == "rnn.weight_hh_l*"; });
    QVERIFY(g != grad.end());
    QVERIFY(std::abs(g->y[0] - std::hypot(0.8 * std::exp(-10 / 300.0), 0.6)) < 1e-12);
    auto hn = stateNormCurves(runs, -1);
    QCOMPARE(hn.size(), size_t(1));
    QCOMPARE(hn[0].upper.size(), hn[0].x.size());
    // ‖∂L/∂h_t‖ and the membership error have different units: separate charts (issue 10).
    QCOMPARE(stateGradCurves(runs, -1).size(), size_t(1));
    QCOMPARE(membershipCurves(runs, -1).size(), size_t(1));
    auto ev = eigenView(runs, -1);
    QCOMPARE(ev.step, 100);
    QCOMPARE(ev.rings.size(), size_t(2));
    QCOMPARE(ev.sets.size(), size_t(2));  // current + faded previous
    QCOMPARE(eigenSteps(runs).size(), size_t(10));
  }
};

QTEST_GUILESS_MAIN(TestUiData)
#include "test_ui_data.moc"
