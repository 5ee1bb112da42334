// The user's theme choice over the OS setting. Qt 6.4 has no colour-scheme API, so "dark" and "light"
// are palettes set on the whole application, and "follow system" puts back what it started with.
#pragma once
#include <QString>

namespace udlab::ui {

enum class ThemeOverride { System, Light, Dark };

QString themeKey(ThemeOverride t);       // "system", "light", "dark": the settings value
ThemeOverride themeFromKey(const QString& key);  // anything unknown follows the system

// Dark: the Fusion style with a dark palette (Fusion draws every widget from the palette, so no
// native light chrome is left). Light: the starting style with its standard palette. System: the
// style and palette the application had before the first override.
void applyThemeOverride(ThemeOverride t);

}  // namespace udlab::ui
