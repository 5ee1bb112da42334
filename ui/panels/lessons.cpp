#include "ui/panels/lessons.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QRegularExpression>
#include <cmath>

#include "ui/engine/run_manager.h"

namespace udlab::ui {

const LessonSet& lessonSet() {
  static const LessonSet set = load_lessons();
  return set;
}

RunFacts runFacts(const RunData& d, const std::string& name) {
  RunFacts f;
  f.name = name;
  f.present = true;
  f.state = d.state;
  for (auto& [k, s] : d.scalars)
    if (s.size()) f.last[k] = s.y.back();
  for (auto it = d.snapshots.rbegin(); it != d.snapshots.rend(); ++it)
    if (!it->profiles.empty()) {
      f.profiles = it->profiles;
      break;
    }
  for (auto it = d.snapshots.rbegin(); it != d.snapshots.rend(); ++it)
    if (!it->eigenvalues.empty()) {
      for (auto& [k, zs] : it->eigenvalues) {
        auto& a = f.eig_abs[k];
        for (auto z : zs) a.push_back(std::abs(z));
      }
      break;
    }
  if (d.run_info.is_object() && d.run_info.contains("params") && d.run_info["params"].is_number())
    f.params = d.run_info["params"].get<double>();
  return f;
}

LessonPanel::LessonPanel(QWidget* parent) : QWidget(parent) {
  auto* lay = new QHBoxLayout(this);
  lay->setContentsMargins(6, 4, 6, 4);
  label_ = new QLabel;
  label_->setWordWrap(true);
  label_->setTextFormat(Qt::RichText);
  label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  lay->addWidget(label_, 1);
  auto* close = new QPushButton("×");
  close->setFlat(true);
  close->setToolTip("Hide the lesson panel (its runs keep training).");
  connect(close, &QPushButton::clicked, this, &QWidget::hide);
  lay->addWidget(close, 0, Qt::AlignTop);
  setAutoFillBackground(true);
  hide();
}

void LessonPanel::start(const Lesson& lesson, std::map<std::string, int> runIds) {
  lesson_ = lesson;
  ids_ = std::move(runIds);
  finished_ = false;
  show();
}

void LessonPanel::update(RunManager& runs) {
  if (lesson_.title.empty()) return;
  std::vector<RunFacts> facts;
  bool allFinal = true;
  for (auto& r : lesson_.runs) {
    auto it = ids_.find(r.name);
    RunEntry* e = it == ids_.end() ? nullptr : runs.find(it->second);
    if (!e) {
      RunFacts gone;
      gone.name = r.name;
      facts.push_back(gone);
      continue;
    }
    facts.push_back(runFacts(e->data, r.name));
    allFinal = allFinal && RunData::isFinalState(e->data.state.empty() ? e->state.toStdString() : e->data.state);
  }
  finished_ = allFinal;
  QString html = QString("<b>Lesson: %1</b><br>%2").arg(QString::fromStdString(lesson_.title).toHtmlEscaped(),
                                                        QString::fromStdString(lesson_.text).toHtmlEscaped());
  const auto results = check_lesson(lesson_, facts);
  for (size_t i = 0; i < results.size(); ++i) {
    const QString claim = QString::fromStdString(lesson_.claims[i].text).toHtmlEscaped();
    if (!allFinal) {
      html += QString("<br>◌ <i>pending</i> — %1").arg(claim);
      continue;
    }
    const QString mark = !results[i].evaluated ? "<span style=\"color:#D55E00\"><b>?</b> not evaluated</span>"
                         : results[i].held     ? "<span style=\"color:#009E73\"><b>✔ held</b></span>"
                                               : "<span style=\"color:#D55E00\"><b>✘ not held</b></span>";
    html += QString("<br>%1 — %2 <span style=\"color:gray\">(%3)</span>")
                .arg(mark, claim, QString::fromStdString(results[i].message).toHtmlEscaped());
  }
  if (label_->text() != html) label_->setText(html);
}

QString LessonPanel::text() const {
  QString t = label_->text();
  t.replace("<br>", "\n");
  t.remove(QRegularExpression("<[^>]*>"));
  return t;
}

}  // namespace udlab::ui
