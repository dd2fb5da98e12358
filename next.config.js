/** @type {import('next').NextConfig} */
const nextConfig = {
  // Server-only engines stay out of the bundler: they load native-ish code, files and sockets.
  serverExternalPackages: ['kafkajs', 'ioredis', 'maxmind', 'ua-parser-js'],
  poweredByHeader: false,
  typescript: { ignoreBuildErrors: false },
};
export default nextConfig;
