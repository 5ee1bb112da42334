// Selects a combo box's item by its text (a config value); an editable box takes unknown text as is.
#pragma once
#include <QComboBox>
#include <string>

namespace udlab::ui {

inline void setComboText(QComboBox* b, const std::string& s) {
  int i = b->findText(QString::fromStdString(s));
  if (i >= 0) b->setCurrentIndex(i);
  else if (b->isEditable()) b->setEditText(QString::fromStdString(s));
}

}  // namespace udlab::ui
