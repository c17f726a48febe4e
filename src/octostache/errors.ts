/** Base class for everything the engine throws on purpose. */
export class OctostacheError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OctostacheError';
  }
}

/** The template does not parse; carries where the parser gave up. */
export class TemplateSyntaxError extends OctostacheError {
  constructor(
    message: string,
    readonly position: number,
    readonly line: number,
    readonly column: number,
    /** Offset of the `#{` whose token failed to parse. */
    readonly start = position
  ) {
    super(message);
    this.name = 'TemplateSyntaxError';
  }
}

/** A variable's value refers back to itself (Octostache's RecursiveDefinitionException). */
export class RecursiveDefinitionError extends OctostacheError {
  constructor(
    readonly symbol: string,
    readonly chain: string[]
  ) {
    super(
      `An attempt to parse the variable symbol "${symbol}" appears to have resulted in a self ` +
        `referencing loop (${chain.join(' -> ')}). Ensure that recursive loops do not exist in ` +
        'the variable values.'
    );
    this.name = 'RecursiveDefinitionError';
  }
}

/** A filter or lookup failed the way the reference throws (bad Base64, invalid regex...). */
export class EvaluationError extends OctostacheError {
  constructor(message: string) {
    super(message);
    this.name = 'EvaluationError';
  }
}

/** A safety limit (depth, size, work) was exceeded. */
export class LimitExceededError extends OctostacheError {
  constructor(message: string) {
    super(message);
    this.name = 'LimitExceededError';
  }
}
