package dev.backlogsentinel.agent.attribution;

import dev.backlogsentinel.agent.procfs.ProcFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Tells a Go program from its ELF section headers: the Go linker always writes a
 * {@code .go.buildinfo} section (and {@code .note.go.buildid}, {@code .gopclntab}), stripped or not.
 * It matters because Go's net package passes the namespace's somaxconn to listen(), read once at
 * start, so a Go server's limit is somaxconn and its backlog has no setting. Only the headers are
 * read (a few KiB of a binary of any size), with every offset and count bounded.
 */
public final class GoBinary {

    private static final int MAX_SECTIONS = 4096;
    private static final int MAX_NAMES = 1 << 16;
    /** A section header is 64 bytes (ELF64) or 40 (ELF32); a larger entry size is allowed up to this. */
    private static final int MAX_SECTION_HEADER = 256;

    private GoBinary() {
    }

    /**
     * False for anything that is not a readable, well-formed ELF file. Only a regular file is read:
     * a FIFO (which would block), a device (/dev/zero: endless) or a directory never is.
     */
    public static boolean isGo(Path executable) {
        try (FileChannel ch = openRegular(executable)) {
            if (ch == null) {
                return false;
            }
            ByteBuffer header = read(ch, 0, 64);
            if (header == null || header.getInt(0) != 0x7f454c46) {
                return false;
            }
            boolean is64 = header.get(4) == 2;
            header.order(header.get(5) == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            long shoff = is64 ? header.getLong(0x28) : Integer.toUnsignedLong(header.getInt(0x20));
            int shentsize = Short.toUnsignedInt(header.getShort(is64 ? 0x3a : 0x2e));
            int shnum = Short.toUnsignedInt(header.getShort(is64 ? 0x3c : 0x30));
            int shstrndx = Short.toUnsignedInt(header.getShort(is64 ? 0x3e : 0x32));
            if (shoff <= 0 || shnum == 0 || shnum > MAX_SECTIONS || shstrndx >= shnum || shentsize < (is64 ? 64 : 40)
                    || shentsize > MAX_SECTION_HEADER) {
                return false;
            }
            ByteBuffer sections = read(ch, shoff, shnum * shentsize);
            if (sections == null) {
                return false;
            }
            sections.order(header.order());
            int names = shstrndx * shentsize;
            long namesOffset = is64 ? sections.getLong(names + 0x18) : Integer.toUnsignedLong(sections.getInt(names + 0x10));
            long namesSize = is64 ? sections.getLong(names + 0x20) : Integer.toUnsignedLong(sections.getInt(names + 0x14));
            if (namesSize <= 0 || namesSize > MAX_NAMES) {
                return false;
            }
            ByteBuffer table = read(ch, namesOffset, (int) namesSize);
            if (table == null) {
                return false;
            }
            String all = new String(table.array(), StandardCharsets.ISO_8859_1);
            return all.contains(".go.buildinfo\0") || all.contains(".note.go.buildid\0") || all.contains(".gopclntab\0");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The executable, opened as procfs files are (ProcFile.openRegular: only a regular file, never
     * blocking, the very file checked); null when it is anything else or cannot be opened.
     */
    private static FileChannel openRegular(Path file) {
        try {
            return ProcFile.openRegular(file);
        } catch (IOException e) {
            return null;
        }
    }

    private static ByteBuffer read(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (ch.read(buf, position + buf.position()) <= 0) {
                return null;
            }
        }
        return buf;
    }
}
