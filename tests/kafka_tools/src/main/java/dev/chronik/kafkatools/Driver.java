package dev.chronik.kafkatools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.common.utils.Exit;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.security.Permission;

/**
 * Runs Kafka's command-line tools one after another in this JVM, so that a suite of a
 * hundred commands pays for one JVM start, not a hundred.
 *
 * Requests arrive one JSON object a line on stdin:
 *   {"id": "...", "main": "org.apache.kafka.tools.TopicCommand", "args": [...], "stdin": "...", "timeout_ms": 60000}
 * and each gets one JSON line on stdout: {"id", "exit", "stdout", "stderr", "ms", "error"}.
 *
 * The tools write to System.out/err (Scala's Console captured them at first use), read
 * System.in and end with Exit.exit or System.exit: the streams are swapped for switchable
 * ones once, and both ways of exiting become an exception that ends only the command.
 */
public final class Driver {
    /** Thrown instead of exiting the JVM. */
    static final class ToolExit extends RuntimeException {
        final int code;

        ToolExit(int code) {
            super("exit " + code, null, false, false);
            this.code = code;
        }
    }

    /** An output stream whose target changes per command; between commands, the log file. */
    static final class Switch extends OutputStream {
        volatile OutputStream target;

        Switch(OutputStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) {
            try {
                target.write(b);
            } catch (java.io.IOException ignored) {
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            try {
                target.write(b, off, len);
            } catch (java.io.IOException ignored) {
            }
        }
    }

    static final class SwitchIn extends InputStream {
        volatile InputStream source = new ByteArrayInputStream(new byte[0]);

        @Override
        public int read() throws java.io.IOException {
            return source.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws java.io.IOException {
            return source.read(b, off, len);
        }

        @Override
        public int available() throws java.io.IOException {
            return source.available();
        }
    }

    private static Switch out;
    private static Switch err;
    /** The code of the running command's first exit; null while it has not exited. */
    private static volatile Integer exitCode;

    /**
     * A process that exits prints nothing more: the first exit fixes the code and ends the
     * command's output, so that a tool catching the exception (many catch Throwable and
     * then exit 1) changes neither.
     */
    private static void exit(int code) {
        synchronized (Driver.class) {
            if (exitCode == null) {
                exitCode = code;
                out.target = OutputStream.nullOutputStream();
                err.target = OutputStream.nullOutputStream();
            }
        }
        throw new ToolExit(code);
    }

    @SuppressWarnings("removal")
    public static void main(String[] argv) throws Exception {
        PrintStream protocol = new PrintStream(new FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
        BufferedReader requests = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        OutputStream stray = argv.length > 0 ? new FileOutputStream(argv[0], true) : OutputStream.nullOutputStream();
        out = new Switch(stray);
        err = new Switch(stray);
        SwitchIn in = new SwitchIn();
        System.setOut(new PrintStream(out, true, "UTF-8"));
        System.setErr(new PrintStream(err, true, "UTF-8"));
        System.setIn(in);
        Exit.setExitProcedure((code, message) -> exit(code));
        Exit.setHaltProcedure((code, message) -> exit(code));
        // Shutdown hooks of one command would run only when this JVM ends: drop them.
        Exit.setShutdownHookAdder((name, runnable) -> { });
        // The Verifiable* tools call System.exit directly.
        System.setSecurityManager(new SecurityManager() {
            @Override
            public void checkPermission(Permission perm) {
            }

            @Override
            public void checkPermission(Permission perm, Object context) {
            }

            @Override
            public void checkExit(int status) {
                if (Thread.currentThread().getName().startsWith("tool-")) {
                    exit(status);
                }
            }
        });

        ObjectMapper json = new ObjectMapper();
        String line;
        while ((line = requests.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode req = json.readTree(line);
            ObjectNode resp = json.createObjectNode();
            resp.put("id", req.path("id").asText());
            String[] args = new String[req.path("args").size()];
            for (int i = 0; i < args.length; i++) {
                args[i] = req.path("args").get(i).asText();
            }
            ByteArrayOutputStream stdout = new ByteArrayOutputStream();
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            in.source = new ByteArrayInputStream(req.path("stdin").asText("").getBytes(StandardCharsets.UTF_8));
            exitCode = null;
            out.target = stdout;
            err.target = stderr;
            final int[] exit = {0};
            final String[] error = {null};
            long start = System.nanoTime();
            Thread tool = new Thread(() -> {
                try {
                    Method main = Class.forName(req.path("main").asText()).getMethod("main", String[].class);
                    main.invoke(null, (Object) args);
                } catch (InvocationTargetException e) {
                    Throwable cause = e.getCause();
                    if (!(cause instanceof ToolExit)) {
                        exit[0] = -1;
                        error[0] = "uncaught " + cause;
                    }
                } catch (Throwable e) {
                    exit[0] = -1;
                    error[0] = e.toString();
                }
            }, "tool-" + req.path("id").asText());
            tool.setDaemon(true);
            tool.start();
            tool.join(req.path("timeout_ms").asLong(60000));
            if (tool.isAlive()) {
                error[0] = "timed out after " + req.path("timeout_ms").asLong(60000) + " ms";
                exit[0] = -2;
                tool.interrupt();
                tool.join(2000);
            }
            System.out.flush();
            System.err.flush();
            int code;
            synchronized (Driver.class) {
                code = exitCode != null ? exitCode : exit[0];
                exitCode = code;  // a straggling thread of this command that exits changes nothing now
            }
            out.target = stray;
            err.target = stray;
            resp.put("exit", code);
            resp.put("stdout", stdout.toString(StandardCharsets.UTF_8));
            resp.put("stderr", stderr.toString(StandardCharsets.UTF_8));
            resp.put("ms", (System.nanoTime() - start) / 1_000_000);
            if (error[0] != null) {
                resp.put("error", error[0]);
            }
            protocol.println(json.writeValueAsString(resp));
        }
        protocol.flush();
        Runtime.getRuntime().halt(0);
    }
}
