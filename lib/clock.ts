/** The time source every module takes as a dependency, so tests can pin and move time. */
export type Clock = () => Date;

/** The system's clock. */
export const systemClock: Clock = () => new Date();
