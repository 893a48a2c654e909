// A real ARIA tab list: one tab in the tab order (the selected one), arrow keys, Home and End
// move between tabs and select them, and each tab shows its own panel.
export function tabList(root, onSelect) {
  const tabs = [...root.querySelectorAll('[role=tab]')];

  function select(tab, { focus = true } = {}) {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      document.getElementById(other.getAttribute('aria-controls')).hidden = !selected;
    }
    if (focus) tab.focus();
    onSelect(tab.id.replace(/^tab-/, ''));
  }

  root.addEventListener('click', (event) => {
    const tab = event.target.closest('[role=tab]');
    if (tab) select(tab);
  });
  root.addEventListener('keydown', (event) => {
    const at = tabs.indexOf(document.activeElement);
    if (at < 0) return;
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    select(tabs[(next + tabs.length) % tabs.length]);
  });

  return {
    select: (name, options) => select(document.getElementById(`tab-${name}`), options),
    current: () => tabs.find((t) => t.getAttribute('aria-selected') === 'true').id.replace(/^tab-/, ''),
  };
}
