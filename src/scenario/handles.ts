/**
 * The static check that a step refers only to handles an earlier step
 * bound with `as:`.
 *
 * It is deliberately conservative: it may let through a reference that
 * fails at run time, but it never rejects a scenario that could run.
 * Names are bound in document order, including names bound inside earlier
 * (or enclosing) repeats, whether or not those repeats run at all. A
 * name bound as `p$i` stands for every `p<N>`; a reference that itself
 * contains `$i` depends on the index and is left to the runner.
 */

/** Beyond this many distinct `$i` templates, stop checking rather than test each reference against all of them. */
const MAX_TEMPLATES = 256;

export class HandleScope {
  private readonly names = new Set<string>();
  private readonly templates = new Map<string, RegExp>();
  private gaveUp = false;

  /** Records a name bound by `as:` (possibly a template with `$i`). */
  bind(name: string): void {
    if (!name.includes('$i')) {
      this.names.add(name);
    } else if (this.templates.size >= MAX_TEMPLATES) {
      this.gaveUp = true;
    } else if (!this.templates.has(name)) {
      this.templates.set(name, templatePattern(name));
    }
  }

  /** A scope that starts with every name this one has (a CPU's list starts from the setup's names). */
  clone(): HandleScope {
    const c = new HandleScope();
    c.absorb(this);
    return c;
  }

  /** Adds every name another scope has bound (`final:` sees the names each CPU bound). */
  absorb(other: HandleScope): void {
    for (const n of other.names) this.names.add(n);
    for (const [t, re] of other.templates) this.templates.set(t, re);
    this.gaveUp ||= other.gaveUp;
  }

  /** False only when no earlier step can have bound `name`. */
  mayBeBound(name: string): boolean {
    if (name.includes('$i') || this.names.has(name) || this.gaveUp) return true;
    for (const re of this.templates.values()) if (re.test(name)) return true;
    return false;
  }
}

/** `page_$i_x` -> /^page_[0-9]+_x$/ (handle names hold only [A-Za-z0-9_] besides `$i`). */
function templatePattern(template: string): RegExp {
  return new RegExp(`^${template.split('$i').join('[0-9]+')}$`);
}
