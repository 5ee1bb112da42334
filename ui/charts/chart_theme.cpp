#include "ui/charts/chart_theme.h"

#include <QPalette>

namespace udlab::ui {

QColor runColor(int index) {
  // Okabe–Ito, ordered so that the first five runs never pair vermillion with orange or blue with sky
  // blue (hard to tell apart in thin lines); yellow, faint on white, comes last.
  static const QColor c[] = {QColor(0x00, 0x72, 0xB2), QColor(0xD5, 0x5E, 0x00), QColor(0x00, 0x9E, 0x73),
                             QColor(0xCC, 0x79, 0xA7), QColor(0x44, 0x44, 0x44), QColor(0x56, 0xB4, 0xE9),
                             QColor(0xE6, 0x9F, 0x00), QColor(0xF0, 0xE4, 0x42)};
  return c[((index % 8) + 8) % 8];
}

QColor readableOnWhite(const QColor& c) {
  // Text in a run's colour on a white table: light colours (yellow, sky blue, orange) darkened until
  // their lightness allows reading.
  QColor t = c;
  while (t.lightness() > 110) t = t.darker(125);
  return t;
}

bool systemIsDark(const QWidget* w) { return w->palette().color(QPalette::Window).lightness() < 128; }

}  // namespace udlab::ui
