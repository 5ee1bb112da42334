#include "ui/settings/theme_override.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace udlab::ui {

namespace {
struct Original {
  QString style;
  QPalette palette;
};
// Captured before the first override touches anything, so "follow system" can always return.
const Original& original() {
  static const Original o{QApplication::style()->name(), QApplication::palette()};
  return o;
}

QPalette darkPalette() {
  const QColor window(45, 45, 48), base(30, 30, 32), text(230, 230, 230), disabled(128, 128, 128),
      accent(66, 140, 220);
  QPalette p;
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, window);
  p.setColor(QPalette::ToolTipBase, base);
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, disabled);
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, window);
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, QColor(255, 110, 90));
  p.setColor(QPalette::Light, QColor(75, 75, 80));
  p.setColor(QPalette::Midlight, QColor(60, 60, 64));
  p.setColor(QPalette::Mid, QColor(40, 40, 42));
  p.setColor(QPalette::Dark, QColor(25, 25, 27));
  p.setColor(QPalette::Shadow, Qt::black);
  p.setColor(QPalette::Link, accent.lighter(130));
  p.setColor(QPalette::LinkVisited, QColor(180, 140, 220));
  p.setColor(QPalette::Highlight, accent);
  p.setColor(QPalette::HighlightedText, Qt::white);
  for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText, QPalette::HighlightedText})
    p.setColor(QPalette::Disabled, role, disabled);
  p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(80, 80, 80));
  return p;
}

void setStyleByName(const QString& name) {
  if (QApplication::style()->name().compare(name, Qt::CaseInsensitive) == 0) return;
  if (QStyle* s = QStyleFactory::create(name)) QApplication::setStyle(s);
}
}  // namespace

QString themeKey(ThemeOverride t) {
  switch (t) {
    case ThemeOverride::Light: return "light";
    case ThemeOverride::Dark: return "dark";
    case ThemeOverride::System: break;
  }
  return "system";
}

ThemeOverride themeFromKey(const QString& key) {
  if (key == "light") return ThemeOverride::Light;
  if (key == "dark") return ThemeOverride::Dark;
  return ThemeOverride::System;
}

void applyThemeOverride(ThemeOverride t) {
  // Until an override was applied the application palette is the platform's, and setting it, even
  // to itself, would stop Qt from following a later change of the OS theme.
  static bool overridden = false;
  if (t == ThemeOverride::System && !overridden) return;
  overridden = t != ThemeOverride::System;
  const Original& o = original();
  switch (t) {
    case ThemeOverride::Dark:
      setStyleByName("Fusion");
      QApplication::setPalette(darkPalette());
      break;
    case ThemeOverride::Light:
      setStyleByName(o.style);
      QApplication::setPalette(QApplication::style()->standardPalette());
      break;
    case ThemeOverride::System:
      setStyleByName(o.style);
      QApplication::setPalette(o.palette);
      break;
  }
}

}  // namespace udlab::ui
