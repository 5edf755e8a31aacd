import { defineLibraryConfig } from "@anomaly-writer/build-config";

export default defineLibraryConfig();
