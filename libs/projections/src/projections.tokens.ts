/** The ReadStore the projections write and the queries read. */
export const READ_STORE = Symbol('READ_STORE');
/** The options given to ProjectionsModule.forRoot(). */
export const PROJECTIONS_OPTIONS = Symbol('PROJECTIONS_OPTIONS');
