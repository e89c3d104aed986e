package dev.backlogsentinel.agent.kernel;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

class AddressesTest {

    @ParameterizedTest
    @CsvSource({
            "127.0.0.1, 127.0.0.1",
            "0.0.0.0, 0.0.0.0",
            "::, ::",
            "::1, ::1",
            "fe80:0:0:0:1:0:0:1, fe80::1:0:0:1",
            "2001:db8:0:0:1:0:0:0, 2001:db8:0:0:1::",
            "2001:db8:1:2:3:4:5:6, 2001:db8:1:2:3:4:5:6",
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            "::ffff:10.1.2.3, ::ffff:10.1.2.3"})
    void formatsAsSsDoes(String input, String expected) throws Exception {
        byte[] raw = InetAddress.getByName(input).getAddress();
        if (input.startsWith("::ffff:")) {
            // InetAddress folds mapped addresses to IPv4; build the 16 bytes the kernel gives.
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(raw, 0, mapped, 12, 4);
            raw = mapped;
        }
        assertThat(Addresses.format(raw)).isEqualTo(expected);
    }
}
