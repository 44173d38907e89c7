package io.pulse.persistence.cassandra;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The operator command for Pulse's Cassandra schema, for production where nodes never create it themselves.
 *
 * <pre>
 *   SchemaTool print [keyspace]                                              the CQL, to review or run with cqlsh
 *   SchemaTool apply --host H --port P --datacenter D --keyspace K          create what does not exist yet
 * </pre>
 *
 * Errors are one line on stderr; the exit code is 2 for a usage error and 1 for a failure.
 */
public final class SchemaTool {
  private static final String USAGE =
      "usage: SchemaTool print [keyspace] | SchemaTool apply --host H --port P --datacenter D --keyspace K";
  private static final Set<String> APPLY_OPTIONS = Set.of("--host", "--port", "--datacenter", "--keyspace");

  private SchemaTool() {}

  public static void main(String[] args) {
    int code = run(List.of(args), System.out, System.err);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Runs the command; returns the process exit code. */
  static int run(List<String> args, PrintStream out, PrintStream err) {
    try {
      if (args.isEmpty()) {
        throw new UsageException("missing command");
      }
      switch (args.get(0)) {
        case "print" -> print(args.subList(1, args.size()), out);
        case "apply" -> apply(args.subList(1, args.size()), out);
        case "help", "-h", "--help" -> out.println(USAGE);
        default -> throw new UsageException("unknown command '" + args.get(0) + "'");
      }
      return 0;
    } catch (UsageException | IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.println(USAGE);
      return 2;
    } catch (RuntimeException e) {
      err.println("error: " + CassandraStartException.oneLine(e.getMessage()));
      return 1;
    }
  }

  private static void print(List<String> args, PrintStream out) {
    if (args.size() > 1) {
      throw new UsageException("print takes at most one argument, the keyspace");
    }
    out.print(SchemaApplier.render(args.isEmpty() ? "pulse" : args.get(0)));
  }

  private static void apply(List<String> args, PrintStream out) {
    Map<String, String> options = options(args);
    String host = options.get("--host");
    int port = port(options.get("--port"));
    String datacenter = options.get("--datacenter");
    String keyspace = SchemaApplier.validKeyspace(options.get("--keyspace"));
    SchemaApplier.apply(host, port, datacenter, keyspace);
    out.printf("schema applied: keyspace %s at %s:%d (datacenter %s)%n", keyspace, host, port, datacenter);
  }

  private static Map<String, String> options(List<String> args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.size(); i += 2) {
      String name = args.get(i);
      if (!APPLY_OPTIONS.contains(name)) {
        throw new UsageException("unknown option '" + name + "'");
      }
      if (i + 1 >= args.size() || args.get(i + 1).isBlank()) {
        throw new UsageException("missing value for " + name);
      }
      if (options.put(name, args.get(i + 1)) != null) {
        throw new UsageException(name + " given twice");
      }
    }
    for (String required : List.of("--host", "--port", "--datacenter", "--keyspace")) {
      if (!options.containsKey(required)) {
        throw new UsageException("missing " + required);
      }
    }
    return options;
  }

  private static int port(String value) {
    try {
      int port = Integer.parseInt(value);
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new UsageException("--port must be a number from 1 to 65535, not '" + value + "'");
    }
  }

  private static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }
}
