import { describe, expect, it } from "vitest";
import { isMounted, overlaysOf, parseMountinfo } from "../../../src/lab/mounts.js";

const mountinfo = [
  "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
  "50 27 0:43 / /var/tmp/deploy-lab/labs/deploylab0/hosts/web-01/root rw,relatime - overlay overlay rw,lowerdir=/var/tmp/deploy-lab/image-bookworm,upperdir=/var/tmp/deploy-lab/labs/deploylab0/hosts/web-01/upper,workdir=/var/tmp/deploy-lab/labs/deploylab0/hosts/web-01/work",
  "51 27 0:44 / /mnt/with\\040space rw shared:2 - tmpfs tmpfs rw",
  "",
].join("\n");

describe("mountinfo", () => {
  it("finds mount points, unescaping spaces", () => {
    const mounts = parseMountinfo(mountinfo);
    expect(mounts.map((m) => m.mountPoint)).toEqual(["/", "/var/tmp/deploy-lab/labs/deploylab0/hosts/web-01/root", "/mnt/with space"]);
    expect(isMounted(mounts, "/mnt/with space")).toBe(true);
    expect(isMounted(mounts, "/var/tmp/deploy-lab/labs/deploylab0/hosts/web-02/root")).toBe(false);
  });

  it("finds the overlays that use the image as their lower dir", () => {
    const mounts = parseMountinfo(mountinfo);
    expect(overlaysOf(mounts, "/var/tmp/deploy-lab/image-bookworm")).toHaveLength(1);
    expect(overlaysOf(mounts, "/var/tmp/deploy-lab/image-bookworm.partial")).toHaveLength(0);
  });
});
