// Eigenvalues on the complex plane: the unit circle, optional rings (the LRU's r_min and r_max), one
// scatter per point set in its run's colour, and faded sets for the previous logged step so motion is
// visible. Equal units on both axes, so circles look like circles at any widget shape.
#pragma once
#include <QColor>
#include <QString>
#include <QWidget>
#include <complex>
#include <memory>
#include <vector>

#include "ui/charts/chart_theme.h"

class QIODevice;

namespace udlab::ui {

struct PointSet {
  QString id, label;
  QColor color;
  bool faded = false;  // the previous step, drawn small and translucent, not in the legend
  int shape = 0;       // 0 circle, 1 square, 2 triangle-ish (rotated square): one per spectrum name
  std::vector<std::complex<double>> z;
};

struct Ring {
  double radius = 1;
  QString label;
};

class ComplexPlaneChart : public QWidget {
  Q_OBJECT
 public:
  explicit ComplexPlaneChart(QWidget* parent = nullptr);
  ~ComplexPlaneChart() override;
  void setTitle(const QString& t);
  QString title() const;
  void setChartStyle(const ChartStyle& s);
  void setPointSets(std::vector<PointSet> sets);
  void setRings(std::vector<Ring> rings);
  const std::vector<PointSet>& pointSets() const;
  void refresh();
  // Figures show one legend for the whole figure, so charts can hide their own.
  void setLegendShown(bool on);
  // The plot area (inside the axes) in this widget's coordinates, as last laid out.
  QRect plotRect() const;
  // |pixels per unit along Re / pixels per unit along Im − 1|: 0 for an exactly round unit circle.
  double aspectError() const;
  int displayedPoints() const;
  // Columns: set, re, im, |z|.
  bool writeCsv(QIODevice* out, QString* error) const;

 signals:
  void redrawn(int points);

 protected:
  void resizeEvent(QResizeEvent* e) override;

 private:
  void fitSquare();
  struct Impl;
  std::unique_ptr<Impl> d_;
};

}  // namespace udlab::ui
