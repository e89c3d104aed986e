package dev.backlogsentinel.agent;

/** Lines of /proc/net/tcp as the kernel prints them, for parser and fake-procfs tests. */
public final class ProcfsLines {

    public static final String HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
    /** tcp6's header (its columns are wider). */
    public static final String HEADER_V6 = "  sl  local_address                         remote_address                        st tx_queue "
            + "rx_queue tr tm->when retrnsmt   uid  timeout inode";
    /** 127.0.0.1:8080, listen(16) filled by 30 connects: rx_queue 0x11 = 17 (KERNEL.md). */
    public static final String LISTEN_8080 = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000011 00:00000000 00000000     0        0 40123 1 0000000000000000 100 0 0 10 0";
    /** 0.0.0.0:80, depth 0. */
    public static final String LISTEN_80 = "   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 40124 1 0000000000000000 100 0 0 10 0";
    public static final String SYN_RECV_8080 = "   2: 0100007F:1F90 0100007F:D2F0 03 00000000:00000000 02:00000046 00000000     0        0 0 0 0000000000000000";
    public static final String ESTABLISHED_8080 = "   3: 0100007F:1F90 0100007F:D2F2 01 00000000:00000000 00:00000000 00000000     0        0 40130 1 0000000000000000 20 4 30 10 -1";
    /** [::1]:8443, depth 17. */
    public static final String LISTEN_V6_LOOPBACK = "   0: 00000000000000000000000001000000:20FB 00000000000000000000000000000000:0000 0A 00000000:00000011 00:00000000 00000000     0        0 40200 1 0000000000000000 100 0 0 10 0";

    private ProcfsLines() {
    }
}
