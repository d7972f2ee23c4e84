// Drop-in replacement for react-style-singleton 2.2.3 (MIT, by Anton Korzunov;
// same API: styleSingleton, styleHookSingleton, stylesheetSingleton), used by
// react-remove-scroll in GraphiQL's dialogs. The original injects a <style>
// element, which `style-src 'self'` blocks (a CSP violation each time a dialog
// opens). This one puts the same CSS into a constructed stylesheet
// (document.adoptedStyleSheets): CSSOM, which CSP allows and needs no nonce.
import { useEffect } from 'react';

export function stylesheetSingleton() {
  let counter = 0;
  let sheet = null;
  return {
    add(css) {
      if (counter === 0 && typeof document !== 'undefined') {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      }
      counter++;
    },
    remove() {
      counter--;
      if (counter === 0 && sheet) {
        const gone = sheet;
        document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== gone);
        sheet = null;
      }
    },
  };
}

export function styleHookSingleton() {
  const sheet = stylesheetSingleton();
  return (styles, isDynamic) => {
    useEffect(() => {
      sheet.add(styles);
      return () => sheet.remove();
    }, [styles && isDynamic]);
  };
}

export function styleSingleton() {
  const useStyle = styleHookSingleton();
  return function Sheet({ styles, dynamic }) {
    useStyle(styles, dynamic);
    return null;
  };
}
