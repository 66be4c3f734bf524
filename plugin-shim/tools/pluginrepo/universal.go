package main

import (
	"bytes"
	"debug/macho"
	"encoding/binary"
	"fmt"
	"os"
)

// fatAlign is the alignment of each architecture in a universal binary (2^14, as Apple's
// tools use for arm64).
const fatAlign = 14

// writeUniversal writes a universal ("fat") Mach-O holding the thin binaries, so that one file
// runs natively on Intel and Apple silicon Macs: a big-endian header (magic, count), one
// fat_arch record per binary (cpu, subtype, offset, size, alignment), then the binaries.
// debug/macho reads this format (NewFatFile) but has no writer.
func writeUniversal(out string, thin ...string) error {
	var archs []macho.FatArchHeader
	var bodies [][]byte
	offset := uint32(1 << fatAlign)
	for _, path := range thin {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := macho.NewFile(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		archs = append(archs, macho.FatArchHeader{Cpu: f.Cpu, SubCpu: f.SubCpu, Offset: offset, Size: uint32(len(data)), Align: fatAlign})
		bodies = append(bodies, data)
		offset += (uint32(len(data)) + (1<<fatAlign - 1)) &^ (1<<fatAlign - 1)
	}
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, [2]uint32{macho.MagicFat, uint32(len(archs))})
	for _, a := range archs {
		binary.Write(&b, binary.BigEndian, a)
	}
	for i, data := range bodies {
		b.Write(make([]byte, int(archs[i].Offset)-b.Len()))
		b.Write(data)
	}
	return os.WriteFile(out, b.Bytes(), 0o755)
}
