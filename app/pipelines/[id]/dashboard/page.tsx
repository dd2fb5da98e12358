import { Dashboard } from '@/components/dashboard/Dashboard';

export default async function DashboardPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <Dashboard pipelineId={decodeURIComponent(id)} />;
}
