/** A setting is missing or invalid. The message names the setting and what it accepts, for operators. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}
