/** What can go wrong around the packages under test (not in them): a command, the registry, Node 22. */
export type ConsumerTestErrorCode =
  | "COMMAND_FAILED"
  | "COMMAND_NOT_STARTED"
  | "REGISTRY_FAILED"
  | "NODE_INSTALL_FAILED";

/** An error of the consumer test's own machinery; the message starts with `[consumer-test] `. */
export class ConsumerTestError extends Error {
  override name = "ConsumerTestError";
  readonly code: ConsumerTestErrorCode;
  constructor(code: ConsumerTestErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[consumer-test] ${message}`, options);
    this.code = code;
  }
}

/** What a finished command printed and how it ended. */
export interface CommandResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

const tail = (text: string, lines = 40): string => text.trimEnd().split("\n").slice(-lines).join("\n");

/** A command that failed (`COMMAND_FAILED`): its command line and directory, how it ended, the tail of its output. */
export class CommandError extends ConsumerTestError {
  override name = "CommandError";
  readonly command: string;
  readonly result: CommandResult;
  constructor(command: string, result: CommandResult) {
    super(
      "COMMAND_FAILED",
      `\`${command}\` ended with ${result.signal ?? `exit code ${result.code}`}\n${tail(result.stderr)}\n${tail(result.stdout)}`,
    );
    this.command = command;
    this.result = result;
  }
}
