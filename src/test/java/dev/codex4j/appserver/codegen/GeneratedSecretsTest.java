package dev.codex4j.appserver.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.protocol.types.LoginAccountParams;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Generated records that hold a credential never print it: a logged params or response object leaks nothing. */
@Timeout(60)
class GeneratedSecretsTest {

    private static final String SECRET = "sk-test-never-printed";

    @Test
    void everyGeneratedRecordMasksItsStringCredentials() throws Exception {
        List<String> checked = new ArrayList<>();
        for (Class<?> type : generatedRecords()) {
            RecordComponent[] components = type.getRecordComponents();
            Constructor<?> canonical = type.getDeclaredConstructor(
                    Stream.of(components).map(RecordComponent::getType).toArray(Class[]::new));
            for (int i = 0; i < components.length; i++) {
                if (components[i].getType() == String.class && Names.isSecret(wireName(canonical.getParameters()[i]))) {
                    Object[] values = defaults(components);
                    values[i] = SECRET;
                    Object record = canonical.newInstance(values);
                    assertThat(record.toString()).as(type.getName()).doesNotContain(SECRET)
                            .contains(components[i].getName() + "=***");
                    checked.add(type.getSimpleName() + "." + components[i].getName());
                }
            }
        }
        assertThat(checked).contains("ApiKey.apiKey", "ChatgptAuthTokens.accessToken", "EnvironmentAddParams.authBearerToken");
    }

    @Test
    void recordsWithoutCredentialsKeepTheRecordsOwnToString() {
        assertThat(new LoginAccountParams.ApiKey(null).toString()).isEqualTo("ApiKey[apiKey=null]");
        assertThat(new dev.codex4j.appserver.protocol.types.GetAccountParams(true).toString())
                .isEqualTo("GetAccountParams[refreshToken=true]"); // a flag, not a token
    }

    /** The JSON name: the generator puts {@code @JsonProperty} on the parameter when it differs from the Java one. */
    private static String wireName(java.lang.reflect.Parameter parameter) {
        var property = parameter.getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
        return property != null ? property.value() : parameter.getName();
    }

    private static Object[] defaults(RecordComponent[] components) {
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            Class<?> t = components[i].getType();
            Object zero = null;
            if (t == boolean.class) {
                zero = false;
            } else if (t == long.class) {
                zero = 0L;
            } else if (t == int.class) {
                zero = 0;
            } else if (t == double.class) {
                zero = 0.0;
            }
            values[i] = zero;
        }
        return values;
    }

    private static List<Class<?>> generatedRecords() throws IOException, URISyntaxException, ClassNotFoundException {
        Path classes = Path.of(LoginAccountParams.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path types = classes.resolve("dev/codex4j/appserver/protocol/types");
        List<Class<?>> records = new ArrayList<>();
        try (Stream<Path> files = Files.list(types)) {
            for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(".class")) {
                    Class<?> type = Class.forName("dev.codex4j.appserver.protocol.types." + name.replace(".class", ""));
                    if (type.isRecord()) {
                        records.add(type);
                    }
                }
            }
        }
        return records;
    }
}
